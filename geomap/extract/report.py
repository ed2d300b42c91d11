"""A report: front matter (title, publisher, url, published) and its paragraphs.

Paragraphs that are photo captions, credit lines or tag lines are marked, because
what they mention is not reported as news.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from geomap.errors import ValidationError
from geomap.extract.front_matter import parse_front_matter

MAX_REPORT_BYTES = 5_000_000
_CREDIT = re.compile(
    r"(getty images|\bafp\b|reuters|associated press|\bap photo\b|anadolu|/\s*us army|"
    r"/\s*u\.s\. army|dvids|handout|photo by|file photo|\bepa\b|/\s*[A-Z][\w .]+/)", re.I)
# "KIRKUK, Iraq, March 15 (GWS) - " or "WASHINGTON/BEIRUT (Wire desk) - ": where and when it was filed.
DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z/ .'’-]{2,40})(?:,\s*[A-Z][\w ]{1,30})?(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?"
                      r"\s+\d{1,2}))?\s*(?:\([^)]{1,40}\))?\s*(?:[-–—]|(?<=[A-Za-z]):)\s+")
_TAG_LINE = re.compile(r"^[\w'.-]{1,20}( [\w'.-]{1,20})?(,\s*[\w'.-]{1,20}( [\w'.-]{1,20})?){3,}$")


@dataclass
class Paragraph:
    """One paragraph of a report; ``caption`` marks captions, credits and tag lines."""

    text: str
    caption: bool = False


@dataclass
class Report:
    """The report's text and what its front matter says of it."""

    document: str
    text: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: dt.date | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    dateline: str | None = None

    def source(self) -> dict:
        """The incident's ``source`` object (DESIGN.md)."""
        return {"title": self.title, "publisher": self.publisher, "url": self.url,
                "published": self.published.isoformat() if self.published else None,
                "document": self.document}


def read_report(path: Path, published: dt.date | None = None) -> Report:
    """A report file (.txt or .md, optional YAML front matter); raises ValidationError."""
    path = Path(path)
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise ValidationError("file", f"{path.name} is over {MAX_REPORT_BYTES:,} bytes")
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("file", f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    return parse_report(text, document=path.name, published=published)


def parse_report(text: str, document: str, published: dt.date | None = None) -> Report:
    """Split front matter from text; ``published`` overrides the front matter's date."""
    meta, content = parse_front_matter(text)
    report = Report(
        document=document, text=content, title=_text(meta, "title"),
        publisher=_text(meta, "publisher"), url=_text(meta, "url"),
        published=published or parse_published(meta.get("published")),
    )
    if report.title is None:
        report.title = _first_line_title(content)
    report.paragraphs = split_paragraphs(content)
    report.dateline = strip_dateline(report.paragraphs)
    return report


def strip_dateline(paragraphs: list[Paragraph]) -> str | None:
    """Remove the dateline from the first paragraph that has one, and return it."""
    for paragraph in paragraphs[:3]:
        match = DATELINE.match(paragraph.text)
        if match and not paragraph.caption:
            paragraph.text = paragraph.text[match.end():]
            return match.group(0).strip(" -–—:")
    return None


def _text(meta: dict, key: str) -> str | None:
    value = meta.get(key)
    return str(value).strip() if value not in (None, "") else None


def parse_published(value) -> dt.date | None:
    """The front matter's ``published`` as a date, or ValidationError naming it."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError("published", f"{value!r} is not a YYYY-MM-DD date") from None


def _first_line_title(content: str) -> str | None:
    first = content.strip().split("\n", 1)[0].strip()
    return first if first and len(first) < 200 and not first.endswith(".") else None


def split_paragraphs(content: str) -> list[Paragraph]:
    """Paragraphs in order, with captions (the paragraph before a credit line) marked."""
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n|\n(?=\S)", content) if b.strip()]
    paragraphs = [Paragraph(b, caption=is_credit_line(b) or bool(_TAG_LINE.match(b))) for b in blocks]
    for before, after in zip(paragraphs, paragraphs[1:], strict=False):
        if is_credit_line(after.text):
            before.caption = True
    return paragraphs


def is_credit_line(text: str) -> bool:
    """A photo credit: short, names an agency or a photographer/agency pair."""
    return len(text) < 160 and not text.endswith((".", '"', "”")) and bool(_CREDIT.search(text))


def document_id(report: Report) -> str:
    """Stable id of a report's content, for incident ids when it has no file name."""
    return hashlib.sha256(report.text.encode()).hexdigest()[:16]
