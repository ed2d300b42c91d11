-- Secrets the web workers share, such as the key that signs session cookies when
-- GEOMAP_SECRET_KEY is not set: kept with the data, every worker and host signs alike.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
