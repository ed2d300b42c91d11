"""Import from the page: a pasted report's text or an uploaded file, through the ingest.

The upload is written to a private temporary folder under a safe name with its suffix, so
that the very code of ``geomap ingest`` reads it and answers with the same summary.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from geomap.errors import ValidationError
from geomap.services.accounts import User, require
from geomap.services.ingest import SUPPORTED, IngestSummary, ingest_paths
from geomap.store import IncidentStore

MAX_TEXT = 200_000
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Front matter a pasted report may carry, with its limit in characters.
REPORT_FIELDS = {"title": 1000, "publisher": 300, "url": 2000, "published": 10}


def import_text(store: IncidentStore, user: User, text: str, meta: dict,
                gazetteer_factory: Callable[[], object], status: str = "draft") -> IngestSummary:
    """Extract the incidents of a pasted report into drafts (published too, for an editor)."""
    require(user, "edit_drafts")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text", "is required: paste the report's text")
    if len(text) > MAX_TEXT:
        raise ValidationError("text", f"is {len(text):,} characters; the limit is {MAX_TEXT:,}")
    document = report_document(text, parse_report_meta(meta))
    return _ingest_bytes(store, user, "pasted-report.md", document.encode(), gazetteer_factory,
                         status)


def import_file(store: IncidentStore, user: User, filename: str, data: bytes,
                gazetteer_factory: Callable[[], object], status: str = "draft") -> IngestSummary:
    """Ingest an uploaded report, GeoJSON, CSV or GeoPackage file, as ``geomap ingest`` does."""
    require(user, "edit_drafts")
    name = safe_name(filename)
    if not data:
        raise ValidationError("file", f"{name} is empty")
    return _ingest_bytes(store, user, name, data, gazetteer_factory, status)


def safe_name(filename: str) -> str:
    """A file name without folders or odd characters, keeping a supported suffix.

    >>> safe_name("../../etc/Attacks in Ninewa.csv")
    'Attacks_in_Ninewa.csv'
    """
    name = _SAFE.sub("_", Path(filename or "").name).strip("._") or "upload"
    if Path(name).suffix.lower() not in SUPPORTED:
        raise ValidationError("file", f"{Path(filename or '').name!r} is not a file geomap "
                              f"reads ({', '.join(SUPPORTED)})")
    return name[-120:]


def parse_report_meta(meta: dict) -> dict:
    """The pasted report's title, publisher, url and published date, checked."""
    found = {}
    for name, limit in REPORT_FIELDS.items():
        value = (meta.get(name) or "").strip()
        if len(value) > limit:
            raise ValidationError(name, f"is over {limit} characters")
        if value:
            found[name] = value
    if "published" in found:
        try:
            found["published"] = dt.date.fromisoformat(found["published"])
        except ValueError:
            raise ValidationError("published", "must be a date, YYYY-MM-DD") from None
    return found


def report_document(text: str, meta: dict) -> str:
    """A report file's text: YAML front matter, then the report."""
    if not meta:
        return text
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n{text}"


def _ingest_bytes(store: IncidentStore, user: User, name: str, data: bytes,
                  gazetteer_factory: Callable[[], object], status: str) -> IngestSummary:
    with tempfile.TemporaryDirectory(prefix="geomap-import-") as folder:
        path = Path(folder, name)
        path.write_bytes(data)
        summary = ingest_paths(store, [path], gazetteer_factory=gazetteer_factory,
                               status=status, author=user.name,
                               drafts_only=not user.can("publish"))
    for result in summary.files:
        result.path = name  # the user's name for it, not the temporary folder
        for refusal in result.refused:
            refusal.file = name
    return summary
