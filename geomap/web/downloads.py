"""Whole-layer downloads, streamed in constant memory: GeoJSON here, other formats by export.

GeoJSON is the read service's one framer around the stored feature bytes, never decoded
(``geomap.services.incidents``). CSV and KML come from
the export service's writers, run in a thread that feeds the response through a small
bounded queue; a GeoPackage needs a real file, so it is written to a temporary one first;
the HTML map (folium, capped in size by the export) is built whole before it is sent.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator

from flask import Response

from geomap.errors import BusyError, ValidationError
from geomap.query import IncidentQuery
from geomap.services import incidents
from geomap.store import IncidentStore

#: format → (media type, file extension)
FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "html": ("text/html; charset=utf-8", "html"),
    "acled": ("text/csv; charset=utf-8", "acled.csv"),  # ACLED's own columns
}
CHUNK_BYTES = incidents.CHUNK_BYTES
PIPE_DEPTH = 16
LIGHT_LIMIT = 1000  # a download capped at this many incidents needs no export slot
RETRY_AFTER = 30


def parse_format(value: str | None) -> str:
    """A download format name, ``geojson`` when absent."""
    name = (value or "geojson").strip().lower()
    if name not in FORMATS:
        raise ValidationError("format", f"must be one of {', '.join(FORMATS)}, not {value!r}")
    return name


def download_response(store: IncidentStore, query: IncidentQuery, fmt: str,
                      slots: threading.Semaphore | None = None, **map_options) -> Response:
    """The whole filtered set as an attachment, streamed; ``map_options`` go to the HTML map.

    A download of more than LIGHT_LIMIT incidents takes one of ``slots`` until its last
    byte is sent; BusyError (503, Retry-After) when none is free, so that exports never
    hold every worker thread and the light routes keep answering.
    """
    media_type, extension = FORMATS[fmt]
    heavy = slots is not None and (query.limit is None or query.limit > LIGHT_LIMIT)
    if heavy and not slots.acquire(blocking=False):
        raise BusyError("every export slot is in use by other downloads; try again in "
                        f"{RETRY_AFTER} seconds, or give a limit of at most {LIGHT_LIMIT:,}",
                        retry_after=RETRY_AFTER)
    try:
        body = _html(store, query, map_options) if fmt == "html" else _BODIES[fmt](store, query)
    except BaseException:
        if heavy:
            slots.release()
        raise
    held = _Held(body, slots if heavy else None)
    response = Response(held, content_type=media_type)
    # on close too: the compressor may wrap the body and never close it
    response.call_on_close(held.close)
    name = f"{download_name(query)}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


class _Held:
    """A download's body and its export slot, given back once: when the last byte is out,
    or when the response is closed (sent, or its client gone), even if never iterated."""

    def __init__(self, body, slots: threading.Semaphore | None):
        self.body, self.slots = body, slots

    def __iter__(self) -> Iterator[bytes]:
        yield from ((self.body,) if isinstance(self.body, bytes) else self.body)
        self.close()

    def close(self) -> None:
        """Close the body (its writer thread stops) and give the slot back, once."""
        slots, self.slots = self.slots, None
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            if slots is not None:
                slots.release()


def download_name(query: IncidentQuery) -> str:
    """The file name without extension: the layer, then the date range when one is set.

    >>> from datetime import date
    >>> download_name(IncidentQuery(start=date(2022, 4, 7), end=date(2022, 4, 8)))
    'incidents-2022-04-07_2022-04-08'
    >>> download_name(IncidentQuery(layer="reports", start=date(2022, 4, 7)))
    'reports-from-2022-04-07'
    """
    layer = query.layer or "all"
    if query.start and query.end:
        return f"{layer}-{query.start}_{query.end}"
    if query.start:
        return f"{layer}-from-{query.start}"
    return f"{layer}-until-{query.end}" if query.end else layer


def _geojson(store: IncidentStore, query: IncidentQuery) -> Iterator[bytes]:
    return incidents.iter_collection(incidents.iter_feature_json(store, query))


def _exporter(name: str) -> Callable:
    from geomap.services import export

    return getattr(export, name)


def _streamed(writer_name: str):
    def body(store: IncidentStore, query: IncidentQuery) -> Iterator[bytes]:
        write = _exporter(writer_name)
        return iter_written(lambda out: write(store, query, out))
    return body


def _html(store: IncidentStore, query: IncidentQuery, options: dict) -> bytes:
    """The map page, built whole (folium holds it in memory; the export caps its size)."""
    out = io.BytesIO()
    _exporter("write_html_map")(store, query, out, **options)
    return out.getvalue()


def _gpkg(store: IncidentStore, query: IncidentQuery) -> Iterator[bytes]:
    write = _exporter("write_gpkg")
    folder = tempfile.mkdtemp(prefix="geomap-gpkg-")
    path = os.path.join(folder, "export.gpkg")
    try:
        write(store, query, path)
        handle = open(path, "rb")  # closed by _read_and_close
    finally:
        _remove_tree(folder)  # the open handle keeps the data until it is closed
    return _read_and_close(handle)


def _read_and_close(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _remove_tree(folder: str) -> None:
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


_BODIES = {"geojson": _geojson, "csv": _streamed("write_csv"), "kml": _streamed("write_kml"),
           "gpkg": _gpkg, "acled": _streamed("write_acled")}


class _Pipe(io.RawIOBase):
    """A binary file for a writer thread; the response reads what it writes, in chunks."""

    def __init__(self):
        super().__init__()
        self.chunks: queue.Queue = queue.Queue(PIPE_DEPTH)
        self.gone = threading.Event()
        self._buffer: list[bytes] = []
        self._size = 0

    def writable(self) -> bool:
        """Yes: a binary file open for writing."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Buffer ``data``; hand a chunk on once the buffer is big enough."""
        self._buffer.append(bytes(data))
        self._size += len(data)
        if self._size >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        """Hand on what is buffered; BrokenPipeError once the reader has gone."""
        if self._buffer:
            data, self._buffer, self._size = b"".join(self._buffer), [], 0
            self.put(data)

    def close(self) -> None:
        """Close, dropping what is buffered when nobody reads any more."""
        if self.gone.is_set():
            self._buffer, self._size = [], 0
        super().close()

    def put(self, item) -> None:
        """Queue a chunk (or the end, or an error) for the reader, waiting while it is full."""
        while not self.gone.is_set():
            try:
                return self.chunks.put(item, timeout=0.5)
            except queue.Full:
                continue
        raise BrokenPipeError("the client went away")


def iter_written(write: Callable[[_Pipe], object]) -> Iterator[bytes]:
    """Run ``write(out)`` in a thread and yield what it writes to ``out``, as it comes."""
    pipe, done = _Pipe(), object()

    def run() -> None:
        try:
            write(pipe)
            pipe.flush()
            pipe.put(done)
        except BaseException as error:  # handed to the reader, which raises it
            with contextlib.suppress(BrokenPipeError):
                pipe.put(error)

    threading.Thread(target=run, name="geomap-download", daemon=True).start()
    try:
        while (item := pipe.chunks.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        pipe.gone.set()
