-- Each point's sub-cell column and row (1/64 degree, from -180 and -90; lines and polygons
-- -1), column first: the incidents along a bbox's west or east edge, one sub-cell column
-- from its south to its north edge, are one range of this index, where the grid index
-- (rows of cells, each row of its sub-cells in turn) holds them in a range per sub-cell
-- (a dense 1x1 box's count: 112 seeks of about 3 us each).
CREATE INDEX incidents_layer_column ON incidents (layer, (CASE
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN CAST((minlon + 180) * 64.0 AS INTEGER)
    ELSE -1 END), (CASE
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN CAST((minlat + 90) * 64.0 AS INTEGER)
    ELSE -1 END), event_type, status, minlon, minlat, maxlon, maxlat);
