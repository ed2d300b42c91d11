-- Summaries that answer the map's aggregates, histograms and counts without reading every
-- incident: per grid cell and per day, broken down by event type and status (the filters
-- they can answer), kept in the writing transactions like incident_cells.
CREATE TABLE incident_cell_types (
    layer      TEXT NOT NULL,
    cell       INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    fatalities INTEGER NOT NULL,
    sumlon     REAL NOT NULL,  -- sums of the positions, for each cell's centre of mass
    sumlat     REAL NOT NULL,
    PRIMARY KEY (layer, cell, event_type, status)
) WITHOUT ROWID;

INSERT INTO incident_cell_types
SELECT layer, cell, event_type, status, count(*), coalesce(sum(fatalities), 0), sum(lon), sum(lat)
FROM incidents GROUP BY layer, cell, event_type, status;

CREATE TABLE incident_days (
    layer      TEXT NOT NULL,
    event_date TEXT NOT NULL,
    event_type TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    fatalities INTEGER NOT NULL,
    PRIMARY KEY (layer, event_date, event_type, status)
) WITHOUT ROWID;

INSERT INTO incident_days
SELECT layer, event_date, event_type, status, count(*), coalesce(sum(fatalities), 0)
FROM incidents GROUP BY layer, event_date, event_type, status;
