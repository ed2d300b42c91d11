"""Ingest: report files and files of incidents into the store, with a summary per file.

Reports (``.txt``, ``.md``) go through the extractor, which needs the gazetteer; it is
opened only when the first report comes. Files of incidents (GeoJSON, GeoJSONSeq, CSV,
GeoPackage) are streamed into ``store.add_many`` in batches, each batch one transaction,
so that memory stays flat and an interrupted ingest leaves whole batches that a second
run completes; a large file is read in a worker process while the store writes
(ingest_worker.py). Ids are stable, so ingesting a file again adds nothing.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from geomap.errors import SourceError, StorageFullError, ValidationError
from geomap.services import ingest_worker
from geomap.services.ingest_worker import FileChunk, FileFeatures
from geomap.services.readers import READERS, Item
from geomap.store import AddResult, IncidentStore

REPORT_SUFFIXES = (".txt", ".md")
SUPPORTED = (*REPORT_SUFFIXES, *READERS)
CHUNK = 100_000  # features per add_many call; their positions are mapped back to lines
GC_GEN0 = 100_000  # allocations between young collections while ingesting (Python: 700)

#: ``progress(label, total_bytes)`` returns a bar with ``update(n)`` and ``close()`` (tqdm).
ProgressFactory = Callable[[str, int], object]


@dataclass
class Refusal:
    """A feature not stored: its file, which one (``line 7``), the field and why."""

    file: str
    where: str
    field: str
    message: str


@dataclass
class FileResult:
    """What ingesting one file did; ``error`` says why the file (or its rest) was not read."""

    path: str
    added: int = 0
    skipped: int = 0
    refused: list[Refusal] = field(default_factory=list)
    error: str | None = None
    full: bool = False  # the store's disk was full: the ingest stopped here

    def refuse(self, where: str, error: ValidationError) -> None:
        """Record one refused feature."""
        self.refused.append(Refusal(self.path, where, error.field, error.message))


@dataclass
class IngestSummary:
    """Every file's result, and the totals."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def added(self) -> int:
        """Features stored."""
        return sum(result.added for result in self.files)

    @property
    def skipped(self) -> int:
        """Features already stored with the same content."""
        return sum(result.skipped for result in self.files)

    @property
    def refused(self) -> list[Refusal]:
        """Every refused feature, file by file."""
        return [refusal for result in self.files for refusal in result.refused]

    @property
    def failed(self) -> list[FileResult]:
        """The files that could not be read (or not to their end)."""
        return [result for result in self.files if result.error]

    def to_dict(self) -> dict:
        """A JSON-ready summary: totals and each file's result."""
        return {"added": self.added, "skipped": self.skipped, "refused": len(self.refused),
                "failed": len(self.failed), "files": [asdict(result) for result in self.files]}

    def lines(self, max_refusals: int = 20) -> list[str]:
        """A human-readable summary: one line per file, its refusals, then the totals."""
        lines = []
        for result in self.files:
            lines.extend(_describe(result, max_refusals))
        lines.append(f"total: {self.added:,} added, {self.skipped:,} skipped (already stored), "
                     f"{len(self.refused):,} refused, in {len(self.files):,} "
                     f"file{'' if len(self.files) == 1 else 's'}"
                     + (f"; {len(self.failed):,} could not be read" if self.failed else ""))
        return lines


def _describe(result: FileResult, max_refusals: int) -> list[str]:
    counts = (f"{result.added:,} added, {result.skipped:,} skipped, "
              f"{len(result.refused):,} refused")
    lines = [f"{result.path}: {counts}"]
    if result.error:
        lines = [f"{result.path}: {'stopped' if result.full else 'cannot be read'}: {result.error}"
                 + (f" ({counts} before that)" if result.added or result.skipped else "")]
    for refusal in result.refused[:max_refusals]:
        lines.append(f"  {refusal.where}: {refusal.field}: {refusal.message}")
    if len(result.refused) > max_refusals:
        lines.append(f"  ... and {len(result.refused) - max_refusals:,} more refused")
    return lines


def ingest_paths(store: IncidentStore, paths: Iterable[str | os.PathLike], *,
                 gazetteer_factory: Callable[[], object] | None = None, status: str = "draft",
                 progress: ProgressFactory | None = None, author: str | None = None,
                 drafts_only: bool = False) -> IngestSummary:
    """Ingest files and folders (walked for supported files); one result per file.

    ``status`` is given to incidents extracted from reports; ``gazetteer_factory`` is
    called once, when the first report comes. ``author`` is recorded as who created each
    new incident; ``drafts_only`` stores every incident as a draft (an analyst's import).
    """
    gazetteer = functools.cache(gazetteer_factory) if gazetteer_factory else None
    summary = IngestSummary()
    with store.importing():  # into an empty store, indexes are built once at the end
        for path in iter_input_files(paths):
            summary.files.append(ingest_file(store, path, gazetteer=gazetteer, status=status,
                                             progress=progress, author=author,
                                             drafts_only=drafts_only))
            if summary.files[-1].full:
                break  # every later file would meet the same full disk
    return summary


def iter_input_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Each path given, folders walked in name order for supported files, each file once."""
    seen = set()
    for path in map(Path, paths):
        for found in (_walk(path) if path.is_dir() else []) or [path]:
            if found not in seen:
                seen.add(found)
                yield found


def _walk(folder: Path) -> list[Path]:
    """Supported files under ``folder``; hidden files and folders are left out."""
    return sorted(path for path in folder.rglob("*")
                  if path.suffix.lower() in SUPPORTED and path.is_file()
                  and not any(part.startswith(".") for part in path.relative_to(folder).parts))


def ingest_file(store: IncidentStore, path: Path, *, gazetteer: Callable[[], object] | None,
                status: str = "draft", progress: ProgressFactory | None = None,
                author: str | None = None, drafts_only: bool = False) -> FileResult:
    """Ingest one file; a file that cannot be read is reported in the result, not raised."""
    result = FileResult(str(path))
    adding = functools.partial(_add_chunk, store, author)
    try:
        suffix = _check_file(path)
        if suffix in REPORT_SUFFIXES:
            _ingest_report(adding, path, gazetteer, "draft" if drafts_only else status, result)
        else:
            _ingest_features(adding, path, suffix, progress, result, drafts_only)
    except SourceError as exc:
        result.error = str(exc)
    except StorageFullError as exc:
        result.added += exc.added
        result.full = True
        result.error = (f"{exc}. The ingest stopped: what was added is stored whole; free some "
                        "space and run it again to add the rest (what is stored is skipped)")
    except ValidationError as exc:
        result.error = exc.message if exc.field == "file" else str(exc)
    except OSError as exc:
        result.error = f"cannot be read: {exc.strerror or exc}"
    result.refused.sort(key=lambda refusal: _natural(refusal.where))
    return result


def _check_file(path: Path) -> str:
    if not path.exists():
        raise SourceError("no such file or folder")
    if path.is_dir():
        raise SourceError(f"a folder without files geomap reads ({', '.join(SUPPORTED)})")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise SourceError(f"unsupported file type {path.suffix or '(none)'!r}; geomap reads "
                          f"{', '.join(SUPPORTED)}")
    return suffix


def _ingest_report(add: Callable, path: Path, gazetteer, status: str,
                   result: FileResult) -> None:
    from geomap.extract import extract_report, read_report

    report = read_report(path)
    if gazetteer is None:
        raise SourceError("a report needs the gazetteer to place its incidents")
    features = extract_report(report, gazetteer(), status=status)
    _store_items(add, ((f"incident {n}", f) for n, f in enumerate(features, 1)), result)


def _ingest_features(add: Callable, path: Path, suffix: str, progress: ProgressFactory | None,
                     result: FileResult, drafts_only: bool) -> None:
    """``add`` (add_many) the file CHUNK features at a time, mapping refusals back to where
    they were read; a large file is read in a worker process if the store can take that."""
    bar = progress(path.name, path.stat().st_size) if progress else None
    worker = path.stat().st_size >= ingest_worker.WORKER_MIN_BYTES
    try:
        with FileFeatures(path, suffix, drafts_only=drafts_only, result=result,
                          tick=_ticker(bar), chunk=CHUNK, worker=worker) as source, \
                _rare_collections():
            for chunk in source.chunks():
                _count(result, add(chunk), chunk.wheres)
    finally:
        if bar is not None:
            bar.close()


def _ticker(bar) -> Callable[[int], None]:
    """A tick(position) that moves the bar by what was read since the last tick."""
    last = 0

    def tick(position: int) -> None:
        nonlocal last
        if bar is not None and position > last:
            bar.update(position - last)
            last = position
    return tick


def _add_chunk(store: IncidentStore, author: str | None, features: Iterable[dict]) -> AddResult:
    """One add_many call of the ingest."""
    return store.add_many(features, skip_deleted=True, author=author)


def _store_items(add: Callable, items: Iterable[Item], result: FileResult) -> None:
    """``add`` a report's few features in one call, mapping refusals back to each one."""
    chunk = FileChunk(iter(items), False, result)
    _count(result, add(chunk), chunk.wheres)


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Fewer cyclic GC passes while features stream through.

    Features hold no cycles, so refcounting frees them; each GC pass walks every batch
    in flight, which was about a fifth of the CPU time of a large import.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], GC_GEN0), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _count(result: FileResult, added: AddResult, wheres: list[str]) -> None:
    result.added += added.added
    result.skipped += added.skipped
    for position, field_name, message in added.refused:
        result.refused.append(Refusal(result.path, wheres[position], field_name, message))


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
