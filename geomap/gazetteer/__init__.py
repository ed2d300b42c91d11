"""The gazetteer: place names as reports write them, resolved offline to coordinates."""

from __future__ import annotations

import contextlib
from pathlib import Path

from geomap.config import Settings
from geomap.errors import NotFoundError
from geomap.gazetteer import index
from geomap.gazetteer.learned import LearnedPlaces
from geomap.gazetteer.resolver import Resolver
from geomap.gazetteer.sources import curated_files
from geomap.gazetteer.writer_lock import index_writer, remove_abandoned_builds

PLACE_COLUMNS = "gid, name, lat, lon, country, admin1, feature, population, source, note"
PLACE_KEYS = ("gazetteer_id", "name", "lat", "lon", "country", "admin1", "feature", "population",
              "source", "note")


class Gazetteer:
    """Resolve names to places; built from the embedded sources on first use."""

    def __init__(self, path: Path, curated: list[Path], fallback=None, learned=None):
        """``learned`` reads the learned places (an incident store's ``learned_places``)."""
        self.path = Path(path)
        self.curated = curated
        self.fallback = fallback
        self.learned = LearnedPlaces(learned)
        self._resolver = Resolver(self.path, self.learned)

    def is_current(self) -> bool:
        """True when the index exists and was built from today's sources."""
        return index.stored_fingerprint(self.path) == index.fingerprint(self.curated)

    def ensure_built(self, progress=None) -> dict | None:
        """Build the index when missing or stale; returns build counts, or None if current."""
        if self.is_current():
            return None
        with index_writer(self.path):
            if self.is_current():  # another worker built it while this one waited
                self._resolver = Resolver(self.path, self.learned)
                return None
            return self._build(progress)

    def build(self, progress=None) -> dict:
        """Rebuild the index now (after any build or import another process is making)."""
        with index_writer(self.path):
            return self._build(progress)

    def _build(self, progress) -> dict:
        remove_abandoned_builds(self.path)
        counts = index.build(self.path, self.curated, progress=progress)
        self._resolver = Resolver(self.path, self.learned)
        return counts

    def resolve(self, query: str, country: str | None = None, near=None, *,
                calibrated: bool = True) -> dict:
        """The gazetteer answer (DESIGN.md) for one place name (``calibrated``: Resolver.resolve)."""
        answer = self._resolver.resolve(query, country=country, near=near, calibrated=calibrated)
        if answer["match"] is None and self.fallback is not None and query.strip():
            online = self.fallback.lookup(query, country)
            if online is not None:
                answer["match"] = online
                answer["candidates"] = [online, *answer["candidates"]][:5]
        return answer

    def reading(self):
        """A context in which many names are resolved as one read of the index
        (Resolver.reading); a gazetteer that may ask the network holds no read open."""
        return contextlib.nullcontext() if self.fallback is not None else self._resolver.reading()

    def get_place(self, gazetteer_id: str) -> dict:
        """One place by its gazetteer id; raises NotFoundError."""
        row = self._resolver.conn.execute(
            f"SELECT {PLACE_COLUMNS} FROM places WHERE gid = ?", (gazetteer_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no place {gazetteer_id!r} in the gazetteer")
        return dict(zip(PLACE_KEYS, row, strict=True))

    def iter_sites(self, countries: list[str] | None = None):
        """Reference sites: curated bases and facilities, air bases, airports with an IATA code."""
        sql = (f"SELECT {PLACE_COLUMNS} FROM places WHERE (source LIKE 'curated:%'"
               " OR feature = 'air_base' OR (feature = 'airport' AND importance >= 0.55))")
        params: list = []
        if countries:
            sql += f" AND country IN ({','.join('?' * len(countries))})"
            params = list(countries)
        for row in self._resolver.conn.execute(sql + " ORDER BY gid", params):
            yield dict(zip(PLACE_KEYS, row, strict=True))

    def close(self) -> None:
        """Release what the gazetteer holds open."""
        self.learned.source = None

    def find_places_in(self, bbox: tuple[float, float, float, float], features: tuple[str, ...],
                       min_population: int = 0, limit: int = 100) -> list[dict]:
        """Places of these kinds inside ``bbox``, the most populous (then important) first."""
        minlon, minlat, maxlon, maxlat = bbox
        kinds = ",".join("?" * len(features))
        rows = self._resolver.conn.execute(
            f"SELECT {PLACE_COLUMNS} FROM places WHERE lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?"
            f" AND feature IN ({kinds}) AND population >= ? "
            "ORDER BY population DESC, importance DESC, gid LIMIT ?",
            (minlon, maxlon, minlat, maxlat, *features, min_population, limit))
        return [dict(zip(PLACE_KEYS, row, strict=True)) for row in rows]

    def find_divisions(self, countries: tuple[str, ...] = ()) -> list[dict]:
        """First-level divisions (ISO 3166-2) of these countries (every country when none),
        by country then name: code, name, country, lon, lat and ``names``, every name the
        gazetteer knows the division by (ISO's, English, Arabic, Persian...)."""
        marks = ",".join("?" * len(countries))
        rows = self._resolver.conn.execute(
            "SELECT p.gid, p.name, p.country, p.lon, p.lat, n.name FROM places AS p "
            "LEFT JOIN names AS n ON n.place = p.id WHERE p.feature = 'division' AND "
            "p.admin1 IS NOT NULL AND p.source = 'iso3166-2'"
            + (f" AND p.country IN ({marks})" if countries else "")
            + " ORDER BY p.country, p.name, p.gid", countries)
        found: dict[str, dict] = {}
        for gid, name, country, lon, lat, other in rows:
            division = found.setdefault(gid, {"code": gid.split(":", 1)[1], "name": name,
                                              "country": country, "lon": lon, "lat": lat,
                                              "names": [name]})
            if other and other not in division["names"]:
                division["names"].append(other)
        return list(found.values())

    def info(self) -> dict:
        """Counts by source and feature, and the index's file and size."""
        conn = self._resolver.conn
        by_source = dict(conn.execute(
            "SELECT CASE WHEN source LIKE 'curated:%' THEN 'curated' ELSE source END s, count(*)"
            " FROM places GROUP BY s").fetchall())
        names = conn.execute("SELECT count(*) FROM names").fetchone()[0]
        return {"path": str(self.path), "bytes": self.path.stat().st_size,
                "places_by_source": by_source, "names": names, "current": self.is_current()}


def open_gazetteer(settings: Settings | None = None, *, build: bool = True, progress=None,
                   learned=None) -> Gazetteer:
    """The configured gazetteer, built first when missing or stale (unless ``build`` is False).

    ``learned`` reads the learned places it consults: the incident store's
    ``learned_places`` (the contract: they live in the store, see README).
    """
    settings = settings or Settings.from_env()
    fallback = None
    if settings.geocoder_fallback == "nominatim":
        from geomap.gazetteer.online import NominatimFallback

        fallback = NominatimFallback(settings.nominatim_user_agent)
    gazetteer = Gazetteer(settings.gazetteer_db, curated_files(settings.gazetteer_extra), fallback,
                          learned)
    if build:
        gazetteer.ensure_built(progress=progress)
    return gazetteer
