-- Per month, event type and status, how many incidents and fatalities: a histogram per
-- month of a whole layer (the map's chart on its first paint) reads some 1,000 rows of it
-- instead of some 30,000 of incident_days; kept in the writing transactions the same way.
CREATE TABLE incident_months (
    layer      TEXT NOT NULL,
    month      TEXT NOT NULL,  -- its first day, YYYY-MM-01
    event_type TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    fatalities INTEGER NOT NULL,
    PRIMARY KEY (layer, month, event_type, status)
) WITHOUT ROWID;

INSERT INTO incident_months
SELECT layer, substr(event_date, 1, 8) || '01', event_type, status, sum(count), sum(fatalities)
FROM incident_days GROUP BY 1, 2, 3, 4;
