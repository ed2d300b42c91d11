-- The actors each layer names (actor1 or actor2) and how many incidents name each, kept in
-- the writing transactions like the other summaries: the map's actor suggestions read it
-- instead of scanning every incident.
CREATE TABLE incident_actors (
    layer TEXT NOT NULL,
    actor TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (layer, actor)
) WITHOUT ROWID;

INSERT INTO incident_actors
SELECT layer, actor, count(*) FROM (
    SELECT layer, actor1 AS actor FROM incidents WHERE actor1 IS NOT NULL
    UNION ALL
    SELECT layer, actor2 FROM incidents WHERE actor2 IS NOT NULL AND actor2 IS NOT actor1
) GROUP BY layer, actor;
