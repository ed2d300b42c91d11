-- How many incidents each first-level division holds, per layer, country, event type and
-- status, kept in the writing transactions like the other summaries: the map's division
-- symbols and counts filtered by country or division read it instead of every incident.
-- An unknown country or division is '' (a primary key cannot hold NULL).
CREATE TABLE incident_admin1 (
    layer      TEXT NOT NULL,
    country    TEXT NOT NULL,
    admin1     TEXT NOT NULL,
    event_type TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    sumlon     REAL NOT NULL,  -- sums of the positions, for each division's centre of mass
    sumlat     REAL NOT NULL,
    PRIMARY KEY (layer, country, admin1, event_type, status)
) WITHOUT ROWID;

INSERT INTO incident_admin1
SELECT layer, coalesce(country, ''), coalesce(json_extract(feature, '$.properties.admin1'), ''),
       event_type, status, count(*), sum(lon), sum(lat)
FROM incidents GROUP BY 1, 2, 3, 4, 5;
