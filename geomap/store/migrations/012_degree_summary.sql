-- Per 1-degree cell (8 by 8 point cells, numbered as the grid numbers them: row * 4096 +
-- column, from -90 and -180), event type and status, the count and summed positions of its
-- points: a map aggregate of cells of a degree or more, or a count of a large bbox, reads
-- the degree cells wholly inside from it (a whole layer at zoom 5: some 600 rows instead of
-- some 40,000 of incident_cell_types); kept in the writing transactions the same way.
CREATE TABLE incident_degree_types (
    layer      TEXT NOT NULL,
    cell       INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    sumlon     REAL NOT NULL,
    sumlat     REAL NOT NULL,
    PRIMARY KEY (layer, cell, event_type, status)
) WITHOUT ROWID;

INSERT INTO incident_degree_types
SELECT layer, (cell / 4096 / 8) * 4096 + (cell % 4096) / 8, event_type, status, sum(count),
       sum(sumlon), sum(sumlat)
FROM incident_cell_types WHERE cell < 16777216 GROUP BY 1, 2, 3, 4;
