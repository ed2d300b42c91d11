"""Import GeoNames dumps (``allCountries.txt``, ``IQ.txt`` or their ``.zip``) into the gazetteer index.

Files are streamed line by line, so the 1.5 GB ``allCountries.txt`` needs little memory.
A malformed line is counted as refused and skipped; it never stops an import. Places
keep their GeoNames id (``geonames:<id>``), so importing a file again replaces them.
:func:`import_dump` counts ``places`` imported, ``names`` (the name keys of those places
and the alternate names added), ``refused`` (malformed) lines, ``skipped`` lines (features
not kept; alternate "names" that are links or ids) and ``seconds``.

A place's admin1 is the division's name from ``admin1CodesASCII.txt`` when that file
lies beside the dump, else the name the index already gives a place of the dump with
the same country and admin1 code (GeoNames cities the index holds), else None.

Which GeoNames features are kept, as which geomap feature (every other feature is skipped):

=================  ==========================================================
geomap feature     GeoNames class.code
=================  ==========================================================
city/town/village  P.* (every populated place), by population
division           A.ADM1 A.ADM2 A.ADM3
military_base      L.MILB L.NVB S.INSM
air_base           S.AIRB
airport            S.AIRP
airfield           S.AIRF S.AIRH S.AIRQ
dam                S.DAM
oil_field          L.OILF S.OILR S.OILW S.OILT S.OILJ S.OILQ S.GOSP
gas_field          L.GASF
nuclear_site       S.PSN
border_crossing    S.PSTB S.PSTC
camp               S.CMP S.CMPRF
power_station      S.PS
bridge             S.BDG
mountain           T.MT T.MTS T.PK T.PKS
hill               T.HLL T.HLLS
pass               T.PASS
wadi               H.WAD H.WADS
spring             H.SPNG H.SPNGS
=================  ==========================================================

The exact GeoNames code stays in the place's note ("GeoNames S.OILR" is a refinery).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import itertools
import math
import os
import sqlite3
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from geomap.errors import SourceError
from geomap.gazetteer import index
from geomap.gazetteer.sources import PlaceRecord, importance_of_population, populated_feature
from geomap.gazetteer.writer_lock import index_writer

FEATURE_CODES = {
    "division": "A.ADM1 A.ADM2 A.ADM3",
    "military_base": "L.MILB L.NVB S.INSM",
    "air_base": "S.AIRB",
    "airport": "S.AIRP",
    "airfield": "S.AIRF S.AIRH S.AIRQ",
    "dam": "S.DAM",
    "oil_field": "L.OILF S.OILR S.OILW S.OILT S.OILJ S.OILQ S.GOSP",
    "gas_field": "L.GASF",
    "nuclear_site": "S.PSN",
    "border_crossing": "S.PSTB S.PSTC",
    "camp": "S.CMP S.CMPRF",
    "power_station": "S.PS",
    "bridge": "S.BDG",
    "mountain": "T.MT T.MTS T.PK T.PKS",
    "hill": "T.HLL T.HLLS",
    "pass": "T.PASS",
    "wadi": "H.WAD H.WADS",
    "spring": "H.SPNG H.SPNGS",
}
FEATURES = {tuple(code.split(".")): feature
            for feature, codes in FEATURE_CODES.items() for code in codes.split()}

COLUMNS = 19
BATCH_SIZE = 5000
# Fewer, larger transactions: each commit rewrites the pages the batches dirtied all over
# the index, so committing every 50,000 places rather than 5,000 saves ~20% CPU and most fsyncs.
BATCHES_PER_COMMIT = 10
ADMIN1_FILE = "admin1CodesASCII.txt"
# Alternate names in these "languages" are links, ids or codes, not names.
NOT_NAMES = frozenset({"link", "wkdta", "post", "iata", "icao", "faac", "abbr", "unlc"})
CODE_LANGUAGES = frozenset({"iata", "icao"})
BASE_URL = "https://download.geonames.org/export/dump/"
TIMEOUT = 60
CHUNK = 1 << 20
CACHE_KIB = 64 * 1024
# Bounds against crafted files. GeoNames caps alternatenames at 10,000 characters, so a
# real line stays well under MAX_LINE_BYTES; its dumps compress about 4:1.
MAX_LINE_BYTES = 100_000
MAX_NAMES_PER_PLACE = 2_000
MAX_UNPACKED_BYTES = 8 << 30
MAX_RATIO = 20  # unpacked : packed, checked for members over RATIO_FROM bytes
RATIO_FROM = 64 << 20
FIRST_LINES = 10_000  # when none of these is a GeoNames line, the file is not a dump


class LineRefused(ValueError):
    """A dump line refused; the message is the reason, the same for every such line."""


def import_dump(index_path: Path, dump: Path, *, alternate_names: Path | None = None,
                progress: bool = False) -> dict:
    """Load a GeoNames dump (and optionally alternate names) into the index; returns the counts."""
    with index_writer(Path(index_path)):
        return _import_dump(Path(index_path), Path(dump), alternate_names, progress)


def _import_dump(index_path: Path, dump: Path, alternate_names: Path | None, progress: bool) -> dict:
    started = time.perf_counter()
    counts = {"places": 0, "names": 0, "refused": 0, "skipped": 0, "refused_why": {}}
    conn = index.connect(index_path)
    # Names go in by key, all over the index's B-trees: a larger page cache saves ~20% CPU.
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        admin1 = Admin1Names(read_admin1_codes(dump.parent / ADMIN1_FILE))
        _import_places(conn, dump, admin1, counts, progress)
        if alternate_names is not None:
            _import_alternate_names(conn, Path(alternate_names), counts, progress)
        with conn:
            index.harmonise_admin1(conn)
            index.finish(conn)
    finally:
        conn.close()
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts


def _import_places(conn: sqlite3.Connection, dump: Path, admin1: Admin1Names, counts: dict,
                   progress: bool) -> None:
    rows = _parsed(iter_lines(dump, progress=progress), parse_place, counts)
    for batch in _committed(conn, _batches(rows, BATCH_SIZE)):
        records = admin1.label(conn, batch)
        counts["places"] += index.insert_places(conn, records)
        counts["names"] += _count_names(conn, [r.gid for r in records])
    with conn:
        admin1.settle(conn)


def _import_alternate_names(conn: sqlite3.Connection, path: Path, counts: dict, progress: bool) -> None:
    rows = _parsed(iter_lines(path, progress=progress), parse_alternate_name, counts)
    for batch in _committed(conn, _batches(rows, BATCH_SIZE)):
        places = _places_by_gid(conn, {gid for gid, _ in batch})
        counts["names"] += _add_names(conn, list(_alternate_name_rows(batch, places)))


def _alternate_name_rows(batch: list[tuple[str, PlaceRecord]], places: dict) -> Iterator[tuple]:
    """Name rows for the alternate names of places in the index; the others are dropped."""
    for gid, record in batch:
        if gid in places:
            place_id, record.importance = places[gid]
            yield from index.name_rows(place_id, record)


def _parsed(lines: Iterable[bytes], parse, counts: dict) -> Iterator:
    """What ``parse`` makes of each non-blank line; refused and skipped lines are counted.

    SourceError when none of the first FIRST_LINES lines could be read: the file is not a
    GeoNames dump, and reading the rest of it would take long for nothing.
    """
    read = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            parsed = parse(line)
        except ValueError as exc:
            _refuse(counts, exc)
            if counts["refused"] == FIRST_LINES and read == 0:
                raise SourceError(f"the first {FIRST_LINES:,} lines are not GeoNames lines "
                                  f"({refusal_reasons(counts)}); the rest was not read") from None
            continue
        read += 1
        if parsed is None:
            counts["skipped"] += 1
        else:
            yield parsed


def _refuse(counts: dict, exc: ValueError) -> None:
    if isinstance(exc, LineRefused):
        reason = str(exc)
    elif isinstance(exc, UnicodeError):
        reason = "not UTF-8"
    else:
        reason = "a number column is not a number"
    counts["refused"] += 1
    counts["refused_why"][reason] = counts["refused_why"].get(reason, 0) + 1


def refusal_reasons(counts: dict) -> str:
    """The refused lines by reason, most frequent first: ``"3 not UTF-8, 1 no name"``."""
    reasons = sorted(counts["refused_why"].items(), key=lambda item: -item[1])
    return ", ".join(f"{number:,} {reason}" for reason, number in reasons)


def _committed(conn: sqlite3.Connection, batches: Iterable[list]) -> Iterator[list]:
    """The batches, their writes committed every BATCHES_PER_COMMIT and at the end."""
    for number, batch in enumerate(batches, start=1):
        yield batch
        if number % BATCHES_PER_COMMIT == 0:
            conn.commit()
    conn.commit()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _places_by_gid(conn: sqlite3.Connection, gids: set[str]) -> dict[str, tuple[int, float]]:
    marks = ",".join("?" * len(gids))
    rows = conn.execute(f"SELECT gid, id, importance FROM places WHERE gid IN ({marks})", list(gids))
    return {gid: (place_id, importance) for gid, place_id, importance in rows}


def _add_names(conn: sqlite3.Connection, rows: list[tuple]) -> int:
    if not rows:
        return 0
    marks = ",".join("?" * len(rows[0]))
    return conn.executemany(f"INSERT OR IGNORE INTO names VALUES ({marks})", rows).rowcount


def _count_names(conn: sqlite3.Connection, gids: list[str]) -> int:
    marks = ",".join("?" * len(gids))
    return conn.execute(
        f"SELECT count(*) FROM names WHERE place IN (SELECT id FROM places WHERE gid IN ({marks}))",
        gids).fetchone()[0]


def parse_place(line: bytes) -> tuple[PlaceRecord, str | None] | None:
    """(place, admin1 key like "IQ.01") from a dump line, None for a feature not kept, or ValueError."""
    fields = _fields(line)
    if len(fields) != COLUMNS:
        raise LineRefused(f"not {COLUMNS} tab-separated columns")
    population = int(fields[14] or 0)
    feature_class, code = fields[6], fields[7]
    feature = populated_feature(population) if feature_class == "P" else FEATURES.get((feature_class, code))
    if feature is None:
        return None
    lat, lon = parse_coordinates(fields[4], fields[5])
    if not fields[1].strip():
        raise LineRefused("no name")
    country = fields[8] or None
    record = PlaceRecord(
        gid=f"geonames:{int(fields[0])}", name=fields[1], lat=lat, lon=lon, country=country,
        feature=feature, population=population, importance=importance_of_population(population),
        source=index.IMPORTED_SOURCE, note=f"GeoNames {feature_class}.{code}",
        names=_names(fields[2], fields[3]),
    )
    return record, f"{country}.{fields[10]}" if country and fields[10] else None


def _fields(line: bytes) -> list[str]:
    if len(line) > MAX_LINE_BYTES:
        raise LineRefused(f"longer than {MAX_LINE_BYTES:,} bytes")
    return line.decode("utf-8").rstrip("\r\n").split("\t")


def parse_coordinates(lat_text: str, lon_text: str) -> tuple[float, float]:
    """(lat, lon) in range, or ValueError."""
    lat, lon = float(lat_text), float(lon_text)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise LineRefused("coordinates out of range")
    return lat, lon


def _names(ascii_name: str, alternate: str) -> list[str]:
    names = [ascii_name, *alternate.split(",")] if alternate else [ascii_name]
    if len(names) > MAX_NAMES_PER_PLACE:
        raise LineRefused(f"more than {MAX_NAMES_PER_PLACE:,} names for one place")
    return [n for n in names if n.strip() and "://" not in n]


def parse_alternate_name(line: bytes) -> tuple[str, PlaceRecord] | None:
    """(gid, record of the one name or code) from an alternateNamesV2 line, None to skip, or ValueError."""
    fields = _fields(line)
    if len(fields) < 4 or not fields[3].strip():
        raise LineRefused("too few columns or no name")
    gid, language, name = f"geonames:{int(fields[1])}", fields[2], fields[3]
    if language in CODE_LANGUAGES:
        return gid, PlaceRecord(gid, "", 0.0, 0.0, None, "", codes=[name.strip()])
    if language in NOT_NAMES or "://" in name:
        return None
    return gid, PlaceRecord(gid, name, 0.0, 0.0, None, "")


def read_admin1_codes(path: Path) -> dict[str, str]:
    """{"IQ.01": "Anbar", ...} from a GeoNames admin1CodesASCII.txt; empty when there is none."""
    if not path.is_file():
        return {}
    codes = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) >= 3 and fields[0] and (fields[2] or fields[1]):
                codes[fields[0]] = fields[2] or fields[1]
    return codes


class Admin1Names:
    """Division names for GeoNames admin1 keys ("IQ.01"), given or learnt from the index."""

    # Places read before their key is learnt wait in a temporary table until settle().

    def __init__(self, known: dict[str, str]):
        self.known = dict(known)
        self.pending: set[str] = set()

    def label(self, conn: sqlite3.Connection, batch: list[tuple[PlaceRecord, str | None]]
              ) -> list[PlaceRecord]:
        """The batch's places with their admin1 set where it is known."""
        self._learn(conn, {r.gid: key for r, key in batch if key and key not in self.known})
        unknown = []
        for record, key in batch:
            record.admin1 = self.known.get(key) if key else None
            if key and record.admin1 is None:
                unknown.append((record.gid, key))
        self._note_pending(conn, unknown)
        return [record for record, _ in batch]

    def _learn(self, conn: sqlite3.Connection, keys: dict[str, str]) -> None:
        if not keys:
            return
        marks = ",".join("?" * len(keys))
        rows = conn.execute(f"SELECT gid, admin1 FROM places WHERE admin1 IS NOT NULL"
                            f" AND gid IN ({marks})", list(keys))
        for gid, name in rows:
            self.known.setdefault(keys[gid], name)

    def _note_pending(self, conn: sqlite3.Connection, unknown: list[tuple[str, str]]) -> None:
        if not unknown:
            return
        if not self.pending:
            conn.execute("CREATE TEMP TABLE geonames_pending (gid TEXT NOT NULL, key TEXT NOT NULL)")
        conn.executemany("INSERT INTO temp.geonames_pending VALUES (?, ?)", unknown)
        self.pending.update(key for _, key in unknown)

    def settle(self, conn: sqlite3.Connection) -> None:
        """Name the divisions of places imported before their key was learnt."""
        if not self.pending:
            return
        conn.execute("CREATE INDEX temp.geonames_pending_key ON geonames_pending(key)")
        conn.executemany(
            "UPDATE places SET admin1 = ? WHERE gid IN (SELECT gid FROM temp.geonames_pending WHERE key = ?)",
            [(self.known[key], key) for key in self.pending if key in self.known])
        conn.execute("DROP TABLE temp.geonames_pending")
        self.pending.clear()


def iter_lines(path: Path, *, progress: bool = False) -> Iterator[bytes]:
    """Raw lines of a GeoNames text file, or of the data file inside its .zip, streamed."""
    with contextlib.ExitStack() as stack:
        handle, size = _open(Path(path), stack)
        bar = stack.enter_context(_progress_bar(size, Path(path).name, progress))
        try:
            yield from _counted(handle, bar)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise SourceError(f"{path}: cannot read GeoNames file: {exc}") from exc


def _open(path: Path, stack: contextlib.ExitStack) -> tuple[io.BufferedIOBase, int]:
    try:
        if path.suffix.lower() != ".zip":
            return stack.enter_context(path.open("rb", buffering=CHUNK)), path.stat().st_size
        archive = stack.enter_context(zipfile.ZipFile(path))
        member = check_member(data_member(archive, path), path)
        return stack.enter_context(io.BufferedReader(archive.open(member), CHUNK)), member.file_size
    except (OSError, zipfile.BadZipFile) as exc:
        raise SourceError(f"{path}: cannot open GeoNames file: {exc}") from exc


def data_member(archive: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    """The data file in a GeoNames zip: ``IQ.txt`` in ``IQ.zip``, else its largest .txt file."""
    texts = [i for i in archive.infolist() if i.filename.endswith(".txt") and i.filename != "readme.txt"]
    named = [i for i in texts if i.filename == f"{path.stem}.txt"]
    if not texts:
        raise SourceError(f"{path}: no GeoNames .txt file inside the zip")
    return named[0] if named else max(texts, key=lambda i: i.file_size)


def check_member(member: zipfile.ZipInfo, path: Path) -> zipfile.ZipInfo:
    """The member, unless it unpacks to more than a GeoNames dump could (a zip bomb)."""
    size, packed = member.file_size, max(member.compress_size, 1)
    if size > MAX_UNPACKED_BYTES or (size > RATIO_FROM and size / packed > MAX_RATIO):
        raise SourceError(f"{path}: {member.filename} would unpack to {size:,} bytes from "
                          f"{packed:,} ({size // packed:,}:1); GeoNames dumps are at most "
                          f"{MAX_UNPACKED_BYTES >> 30} GiB and pack about 4:1, so it was not read")
    return member


def _counted(handle: io.BufferedIOBase, bar: tqdm) -> Iterator[bytes]:
    """The lines, each at most MAX_LINE_BYTES: the start of a longer one, then its rest skipped."""
    done = 0
    while line := handle.readline(MAX_LINE_BYTES + 1):
        done += len(line)
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            done += _skip_line(handle)
        if done >= CHUNK:
            bar.update(done)
            done = 0
        yield line
    bar.update(done)


def _skip_line(handle: io.BufferedIOBase) -> int:
    """Read past the end of the current line; the number of bytes skipped."""
    skipped = 0
    while (rest := handle.readline(CHUNK)) and not rest.endswith(b"\n"):
        skipped += len(rest)
    return skipped + len(rest)


def _progress_bar(total: int | None, label: str, shown: bool) -> tqdm:
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, disable=not shown, leave=False)


def download_country_files(countries: list[str], dest: Path, *, base_url: str = BASE_URL,
                           progress: bool = False) -> Iterator[Path]:
    """Fetch ``<CC>.zip`` for each country (and admin1CodesASCII.txt once) into ``dest``; yields each zip."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    download(base + ADMIN1_FILE, dest / ADMIN1_FILE, progress=progress)
    for country in countries:
        code = country.strip().upper()
        yield download(f"{base}{code}.zip", dest / f"{code}.zip", progress=progress)


def download(url: str, target: Path, *, progress: bool = False) -> Path:
    """Stream ``url`` to ``target`` through a temporary file renamed when complete; SourceError on failure."""
    handle, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            _fetch(url, out, target.name, progress)
        if target.suffix == ".zip" and not zipfile.is_zipfile(partial):
            raise SourceError(f"{url}: the download is not a zip file")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _fetch(url: str, out: io.BufferedIOBase, label: str, progress: bool) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "geomap"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            expected = int(response.headers.get("Content-Length") or 0) or None
            with _progress_bar(expected, label, progress) as bar:
                received = _copy(response, out, bar)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise SourceError(f"cannot download {url}: {exc}") from exc
    if expected is not None and received != expected:
        raise SourceError(f"cannot download {url}: got {received:,} of {expected:,} bytes")


def _copy(response, out: io.BufferedIOBase, bar: tqdm) -> int:
    received = 0
    while chunk := response.read(CHUNK):
        out.write(chunk)
        received += len(chunk)
        bar.update(len(chunk))
    return received
