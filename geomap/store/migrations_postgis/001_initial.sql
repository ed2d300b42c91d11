-- Incidents as GeoJSON Features on PostGIS: the feature as `json` (kept byte for byte as
-- written, so downloads stream it untouched) beside the columns queries filter and sort
-- on. Text compares in "C" order so that ids sort as they do in SQLite, whatever the
-- database's locale.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE incidents (
    id             text COLLATE "C" PRIMARY KEY,
    layer          text COLLATE "C" NOT NULL,
    event_date     date NOT NULL,
    event_type     text NOT NULL,
    sub_event_type text NOT NULL,
    country        text,
    fatalities     integer,
    geo_precision  smallint NOT NULL,
    status         text NOT NULL,
    actor1         text,
    actor2         text,
    -- The geometry's bbox, exact: the GiST index rounds outward to float4.
    minlon         double precision NOT NULL,
    minlat         double precision NOT NULL,
    maxlon         double precision NOT NULL,
    maxlat         double precision NOT NULL,
    geom           geometry(Geometry, 4326) NOT NULL,
    -- Lexemes the store writes itself (postgis_write.search_vector), so that matching
    -- does not depend on the server's text-search configuration or locale.
    search         tsvector NOT NULL,
    feature        json NOT NULL
);

-- The default order (newest first, then id) read from the index.
CREATE INDEX incidents_layer_date ON incidents (layer, event_date DESC, id);
CREATE INDEX incidents_geom ON incidents USING gist (geom);
CREATE INDEX incidents_search ON incidents USING gin (search);

-- Earlier versions: each update and delete keeps the version it replaced.
CREATE TABLE incident_history (
    hid         bigserial PRIMARY KEY,
    id          text COLLATE "C" NOT NULL,
    action      text NOT NULL CHECK (action IN ('update', 'delete')),
    author      text,
    recorded_at text NOT NULL,
    feature     json NOT NULL
);
CREATE INDEX incident_history_id ON incident_history (id, hid);

-- One row per layer, kept in the writing transactions: layers() and whole-layer counts
-- read it instead of counting a million rows.
CREATE TABLE incident_layers (
    layer      text COLLATE "C" PRIMARY KEY,
    count      bigint NOT NULL,
    minlon     double precision NOT NULL,
    minlat     double precision NOT NULL,
    maxlon     double precision NOT NULL,
    maxlat     double precision NOT NULL,
    first_date date NOT NULL,
    last_date  date NOT NULL
);
