-- Sub-cells of 1/64 degree inside each point cell, so that a dense bbox's count scans only
-- the incidents of the sub-cells on its edge instead of every incident of its edge cells
-- (1/8 degree): the grid index gains the sub-cell after the cell (the same expression as
-- sqlite_grid.SUB_SQL), and incident_subcells counts each point sub-cell per event type
-- and status, kept in the writing transactions like incident_cell_types.
DROP INDEX incidents_layer_cell;
CREATE INDEX incidents_layer_cell ON incidents (layer, (CASE
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN
        CAST((minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 8.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0625 THEN 16777216
        + CAST((minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 8.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.5 THEN 33554432
        + CAST((minlat + 90) * 1.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 1.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 4.0 THEN 50331648
        + CAST((minlat + 90) * 0.125 AS INTEGER) * 4096 + CAST((minlon + 180) * 0.125 AS INTEGER)
    ELSE 67108864 END), (CASE WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN
    (CAST((minlat + 90) * 64.0 AS INTEGER) % 8) * 8 + CAST((minlon + 180) * 64.0 AS INTEGER) % 8
    ELSE 0 END), event_date DESC, id, event_type, status, minlon, minlat, maxlon, maxlat);

CREATE TABLE incident_subcells (
    layer      TEXT NOT NULL,
    cell       INTEGER NOT NULL,
    sub        INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    sumlon     REAL NOT NULL,  -- sums of the positions, for a map cell's centre of mass
    sumlat     REAL NOT NULL,
    PRIMARY KEY (layer, cell, sub, event_type, status)
) WITHOUT ROWID;

INSERT INTO incident_subcells
SELECT layer, cell, (CAST((minlat + 90) * 64.0 AS INTEGER) % 8) * 8
       + CAST((minlon + 180) * 64.0 AS INTEGER) % 8, event_type, status, count(*), sum(lon), sum(lat)
FROM incidents WHERE cell < 16777216 GROUP BY 1, 2, 3, 4, 5;
