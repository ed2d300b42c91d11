-- The indexes of incidents that an import into an empty store dropped, to build once at
-- its end (geomap/store/postgis_indexes.py): listed in the transaction that drops them,
-- so that an import killed before it built them leaves the list, and the next store to
-- open the schema builds what is listed.
CREATE TABLE deferred_indexes (
    name text PRIMARY KEY,
    sql  text NOT NULL
);
