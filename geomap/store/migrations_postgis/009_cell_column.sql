-- The grid cell (migration 007) as a plain column that the store computes in Python with
-- sqlite_grid.cell_of and writes with each row, instead of an index on the geomap_cell()
-- expression: PostgreSQL evaluated that SQL function for every row it indexed, 13 of the
-- 69 µs of server CPU a COPYed row cost, and 9.9 µs a row of building the index at the end
-- of an import (benchmarks/bench_postgis.py). geomap_cell() stays, for rows of an older
-- version and for tests that hold both to the same arithmetic.
ALTER TABLE incidents ADD COLUMN cell integer;
UPDATE incidents SET cell = geomap_cell(minlon, minlat, maxlon, maxlat);
ALTER TABLE incidents ALTER COLUMN cell SET NOT NULL;
DROP INDEX IF EXISTS incidents_layer_cell;
-- An import killed before it built its indexes listed the expression index: build the
-- new one now instead.
DELETE FROM deferred_indexes WHERE name = 'incidents_layer_cell';
CREATE INDEX incidents_layer_cell ON incidents (layer, cell)
    INCLUDE (event_date, id, event_type, status, minlon, minlat, maxlon, maxlat);
