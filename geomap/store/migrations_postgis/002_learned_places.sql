-- Learned places (geomap/store/learned.py): each name at each point that stored incidents
-- taught, with where it came from and how many incidents say so. The gazetteer reads them.
CREATE TABLE learned_places (
    name       text NOT NULL,
    country    text NOT NULL,
    lat        double precision NOT NULL,
    lon        double precision NOT NULL,
    admin1     text,
    source     text NOT NULL,
    count      integer NOT NULL CHECK (count >= 0),
    first_seen text NOT NULL,
    last_seen  text NOT NULL,
    PRIMARY KEY (name, country, lat, lon)
);
CREATE INDEX learned_places_lower_name ON learned_places (lower(name));
