-- Bboxes answered from an index alone: PostGIS's geometry GiST cannot give back column
-- values, so a dense bbox (tens of thousands of matches) read a heap page per match to
-- check the exact bbox, count it and sort it. PostgreSQL's own box GiST with the filter
-- and sort columns included counts and pages such a bbox from the index (3 to 4 times
-- faster at 1,000,000 incidents: benchmarks/bench_postgis.py). The geometry index stays,
-- for PostGIS clients (QGIS, ogr2ogr) that query the table themselves.
CREATE INDEX IF NOT EXISTS incidents_box ON incidents
    USING gist (box(point(minlon, minlat), point(maxlon, maxlat)))
    INCLUDE (layer, event_date, id, event_type, status, minlon, minlat, maxlon, maxlat);
