-- Learned places (geomap/store/learned.py): each name at each point that stored incidents
-- taught, with where it came from and how many incidents say so. The gazetteer reads them.
CREATE TABLE learned_places (
    name       TEXT NOT NULL,
    country    TEXT NOT NULL,
    lat        REAL NOT NULL,
    lon        REAL NOT NULL,
    admin1     TEXT,
    source     TEXT NOT NULL,
    count      INTEGER NOT NULL CHECK (count >= 0),
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (name, country, lat, lon)
) WITHOUT ROWID;
