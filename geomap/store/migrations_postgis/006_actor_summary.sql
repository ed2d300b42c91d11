-- The actors each layer names (actor1 or actor2) and how many incidents name each, kept in
-- the writing transactions like incident_layers: the map's actor suggestions read it
-- instead of counting every incident (SQLite's migration 007). Names compare in "C"
-- order, so that ties sort by code point as in SQLite.
CREATE TABLE incident_actors (
    layer text COLLATE "C" NOT NULL,
    actor text COLLATE "C" NOT NULL,
    count bigint NOT NULL CHECK (count > 0),
    PRIMARY KEY (layer, actor)
);

INSERT INTO incident_actors
SELECT layer, actor, count(*) FROM (
    SELECT layer, actor1 AS actor FROM incidents WHERE actor1 IS NOT NULL
    UNION ALL
    SELECT layer, actor2 FROM incidents WHERE actor2 IS NOT NULL AND actor2 IS DISTINCT FROM actor1
) AS named GROUP BY layer, actor;
