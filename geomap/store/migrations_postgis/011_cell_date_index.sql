-- A bbox page newest first reads only its newest days: the grid with the date as a key
-- (migration 007 kept it only as an included column), so that the cells of a dense bbox
-- are read from a date on (postgis_query.page_sql) instead of whole, 2,000 index entries
-- instead of 40,000 for a page of 1,000, and a bbox with a year reads that year alone.
-- The grid index of migration 009 stays for counting a bbox's edge cells, narrowed so
-- that the planner picks it for that: within a cell its entries are in the table's
-- order, which keeps an index-only scan on one page of the visibility map at a time
-- (in date order it changes page at nearly every entry: 7.6 against 2.5 ms for the
-- 17,000 entries of a dense bbox's edge cells). Building both takes about 11 s at
-- 1,000,000 incidents.
DROP INDEX IF EXISTS incidents_layer_cell;
DELETE FROM deferred_indexes WHERE name IN ('incidents_layer_cell', 'incidents_cell_date');
CREATE INDEX incidents_layer_cell ON incidents (layer, cell)
    INCLUDE (event_type, status, minlon, minlat, maxlon, maxlat);
CREATE INDEX incidents_cell_date ON incidents (layer, cell, event_date)
    INCLUDE (id, event_type, status, minlon, minlat, maxlon, maxlat);
