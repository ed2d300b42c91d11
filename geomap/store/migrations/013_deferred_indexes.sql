-- Secondary indexes of `incidents` that a large import into an empty store put off: it
-- drops them, commits its batches without them, and builds each once at its end
-- (store/sqlite_indexes.py). A store opened while rows are left here, with no import
-- holding the file's import lock (one was killed), builds them then.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    sql  TEXT NOT NULL
) WITHOUT ROWID;
