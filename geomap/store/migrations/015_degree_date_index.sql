-- Each point's 1-degree cell (numbered as incident_degree_types numbers them: row * 4096 +
-- column, from -90 and -180; lines and polygons all -1) before its date, so that the page
-- of a dense bbox (newest first) walks down the dates of the few degree cells it meets
-- rather than the whole layer's (sqlite_query.degree_bound): a 1x1 box of 100,000 in a
-- layer of 1,000,000 read about 15,000 entries of the date index for its 1,000 newest.
CREATE INDEX incidents_layer_degree ON incidents (layer, (CASE
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN
        CAST(minlat + 90 AS INTEGER) * 4096 + CAST(minlon + 180 AS INTEGER)
    ELSE -1 END), event_date DESC, id, status, event_type, minlon, minlat, maxlon, maxlat);
