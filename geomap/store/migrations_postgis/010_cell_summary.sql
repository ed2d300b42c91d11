-- How many point incidents each grid cell holds (1/8 degree, level 0 of the grid), by
-- event type and status, kept in the writing transactions like incident_layers: a bbox's
-- count reads the cells wholly inside it from here and scans only its edge cells
-- (postgis_cells.py, the rule of SQLite's sqlite_summaries.py). Filling it reads the
-- table once (a few seconds at 1,000,000 incidents). A write changes its rows in one
-- upsert, negative changes too (writers then lock them in one order), so count has no
-- CHECK: PostgreSQL checks the row proposed, -1, before it finds the conflict.
CREATE TABLE incident_cells (
    layer      text COLLATE "C" NOT NULL,
    cell       integer NOT NULL,
    event_type text NOT NULL,
    status     text NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (layer, cell, event_type, status)
);

INSERT INTO incident_cells
SELECT layer, cell, event_type, status, count(*) FROM incidents
WHERE cell < 16777216 GROUP BY 1, 2, 3, 4;
ANALYZE incident_cells;
