-- The grid index on the cell's expression instead of the generated column: SQLite (3.40)
-- never reads an index on a generated column as covering, so every bbox query, count and
-- aggregate that went through the grid read each hit's row (about 1 KB of JSON) from the
-- table; an index on the expression is covering (sqlite_grid.CELL_SQL repeats it, and the
-- queries name the expression, not the column).
DROP INDEX incidents_layer_cell;
CREATE INDEX incidents_layer_cell ON incidents (layer, (CASE
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0 THEN
        CAST((minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 8.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.0625 THEN 16777216
        + CAST((minlat + 90) * 8.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 8.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 0.5 THEN 33554432
        + CAST((minlat + 90) * 1.0 AS INTEGER) * 4096 + CAST((minlon + 180) * 1.0 AS INTEGER)
    WHEN max(maxlon - minlon, maxlat - minlat) <= 4.0 THEN 50331648
        + CAST((minlat + 90) * 0.125 AS INTEGER) * 4096 + CAST((minlon + 180) * 0.125 AS INTEGER)
    ELSE 67108864 END), event_date DESC, id, event_type, status, minlon, minlat, maxlon, maxlat);
