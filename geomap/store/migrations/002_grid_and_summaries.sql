-- The grid replaces the R*Tree: inserting into a B-tree index on an integer cell costs a
-- quarter of an R*Tree insert, and a bbox is a few ranges of cells (see sqlite_grid.py,
-- whose cell_of() computes the very same numbers). Points are filed in 1/8-degree cells;
-- a line or polygon by the corner (minlon, minlat) of its bbox, in 1/8-, 1- or 8-degree
-- cells at least twice its extent; anything larger in one shared cell.
ALTER TABLE incidents ADD COLUMN cell INTEGER GENERATED ALWAYS AS (CASE
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN
        CAST((minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 8.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0625 THEN 16777216
        + CAST((minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 8.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.5 THEN 33554432
        + CAST((minlat + 90) * 1.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 1.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 4.0 THEN 50331648
        + CAST((minlat + 90) * 0.125 AS INTEGER) * 4096 + CAST((minlon + 180) * 0.125 AS INTEGER)
    ELSE 67108864 END) VIRTUAL;

-- A bbox's incidents in a few index ranges, filtered and sorted without the table.
CREATE INDEX incidents_layer_cell ON incidents
    (layer, cell, event_date DESC, id, event_type, status, minlon, minlat, maxlon, maxlat);

-- The grid and the date index answer type filters well enough; each index costs every insert.
DROP INDEX incidents_layer_type;
DROP TABLE incidents_rtree;

-- What each cell of each layer holds, kept in the writing transactions: the query planner
-- reads how many incidents a bbox holds here, and layers() sums it up.
CREATE TABLE incident_cells (
    layer      TEXT NOT NULL,
    cell       INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    minlon     REAL NOT NULL,
    minlat     REAL NOT NULL,
    maxlon     REAL NOT NULL,
    maxlat     REAL NOT NULL,
    first_date TEXT NOT NULL,
    last_date  TEXT NOT NULL,
    PRIMARY KEY (layer, cell)
) WITHOUT ROWID;

INSERT INTO incident_cells
SELECT layer, cell, count(*), min(minlon), min(minlat), max(maxlon), max(maxlat),
       min(event_date), max(event_date)
FROM incidents GROUP BY layer, cell;

-- One row per layer: the sum of its cells.
CREATE TABLE incident_layers (
    layer      TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    minlon     REAL NOT NULL,
    minlat     REAL NOT NULL,
    maxlon     REAL NOT NULL,
    maxlat     REAL NOT NULL,
    first_date TEXT NOT NULL,
    last_date  TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO incident_layers
SELECT layer, sum(count), min(minlon), min(minlat), max(maxlon), max(maxlat),
       min(first_date), max(last_date)
FROM incident_cells GROUP BY layer;

-- A bulk load keeps up to 64 MB of new index entries in memory before writing a segment.
INSERT INTO incidents_fts (incidents_fts, rank) VALUES ('hashsize', 67108864);

