-- Incidents as GeoJSON Features: the full feature as JSON text, plus the columns that
-- queries filter and sort on. `seq` is the stable integer key that the R*Tree and the
-- full-text index refer to (an INTEGER PRIMARY KEY survives VACUUM; a bare rowid may not).
CREATE TABLE incidents (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    layer          TEXT NOT NULL,
    event_date     TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    sub_event_type TEXT NOT NULL,
    country        TEXT,
    fatalities     INTEGER,
    geo_precision  INTEGER NOT NULL,
    status         TEXT NOT NULL,
    actor1         TEXT,
    actor2         TEXT,
    lon            REAL NOT NULL,  -- the Point, or the centre of a line's or polygon's bbox
    lat            REAL NOT NULL,
    minlon         REAL NOT NULL,  -- the geometry's bbox, exact (the R*Tree rounds outward)
    minlat         REAL NOT NULL,
    maxlon         REAL NOT NULL,
    maxlat         REAL NOT NULL,
    feature        TEXT NOT NULL
);

-- The default order (newest first, then id) read straight from the index; status, type
-- and the bbox ride along so that a dense bbox is filtered without touching the table.
CREATE INDEX incidents_layer_date ON incidents
    (layer, event_date DESC, id, status, event_type, minlon, minlat, maxlon, maxlat);
-- One event type in date order, with the bbox alongside (several types use the index above).
CREATE INDEX incidents_layer_type ON incidents
    (layer, event_type, event_date DESC, id, minlon, minlat, maxlon, maxlat);

CREATE VIRTUAL TABLE incidents_rtree USING rtree (seq, minlon, maxlon, minlat, maxlat);

-- Contentless: the text lives in `feature`; the store writes and deletes index entries.
CREATE VIRTUAL TABLE incidents_fts USING fts5 (
    body, content = '', tokenize = 'unicode61 remove_diacritics 2'
);

-- Earlier versions: each update and delete keeps the version it replaced.
CREATE TABLE incident_history (
    hid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('update', 'delete')),
    author      TEXT,
    recorded_at TEXT NOT NULL,
    feature     TEXT NOT NULL
);
CREATE INDEX incident_history_id ON incident_history (id, hid);
