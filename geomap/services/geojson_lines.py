"""A FeatureCollection written one Feature a line, read a line at a time with orjson.

Most tools write GeoJSON so (GDAL, geomap's own export): a header ending in
``"features": [``, one Feature per line with a comma after all but the last, then ``]``
and the rest of the object. orjson reads such a line in a third of the time ijson takes
to stream it. ``iter_line_features`` yields what ijson would (except that an integer
beyond 64 bits, at which ijson gives up on the whole file, is read as a number), for as
long as the file keeps that shape, and stops at the first line that does not; ``LineReading`` then
says how many it gave, and the caller lets ijson read the file from the start, skipping
those (its errors and bounds are then the file's, word for word). A line is taken only
as a whole JSON object of at most MAX_FEATURE_BYTES with too few brackets to nest deeper
than MAX_DEPTH, so the bounds on a streamed file hold here as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import orjson

from geomap.services.json_bounds import MAX_DEPTH, MAX_FEATURE_BYTES

#: The header and the rest after the features are this long at most.
MAX_FRAME_BYTES = 1_000_000
TICK_EVERY = 1000
_FEATURES_OPEN = re.compile(rb'"features"\s*:\s*\[\s*$')
_MOST_BRACKETS = MAX_DEPTH - 2  # a line nests no deeper than its brackets; the file adds 2


@dataclass
class LineReading:
    """How many features the lines gave, and whether they were the whole file."""

    count: int = 0
    done: bool = False


def iter_line_features(f: BinaryIO, reading: LineReading, tick: Callable[[int], None],
                       decode: Callable[[bytes], object] | None = None) -> Iterator[tuple]:
    """(``features[n]``, feature) of each line while the file keeps one Feature a line;
    ``decode`` (a FeatureDecoder) reads each line's object, else orjson does."""
    decode = decode or _object
    header = _read_header(f)
    if header is None:
        return
    comma = True  # whether the line before may be followed by another feature
    while line := f.readline(MAX_FEATURE_BYTES + 1):
        text = line.strip()
        if not text:
            continue
        if text[:1] == b"]":
            reading.done = not comma and _whole(header, text + f.read(MAX_FRAME_BYTES + 1))
            break
        feature = _feature(text, decode) if comma and len(line) <= MAX_FEATURE_BYTES else None
        if feature is None:
            return
        comma = text.endswith(b",")
        yield f"features[{reading.count}]", feature
        reading.count += 1
        if reading.count % TICK_EVERY == 0:
            tick(f.tell())
    tick(f.tell())


def _read_header(f: BinaryIO) -> bytes | None:
    """The lines up to and with ``"features": [`` if they open a FeatureCollection's list."""
    header = b""
    while len(header) <= MAX_FRAME_BYTES and (line := f.readline(MAX_FRAME_BYTES)):
        header += line
        if _FEATURES_OPEN.search(line.rstrip()):
            break
    else:
        return None
    if header.count(b'"features"') != 1:
        return None
    try:
        frame = orjson.loads(header + b"]}")
    except orjson.JSONDecodeError:
        return None
    return header if isinstance(frame, dict) and frame.get("features") == [] else None


def _feature(text: bytes, decode: Callable[[bytes], object]) -> object | None:
    """The line's JSON object (its comma cut), or None when it is not one, or too deep."""
    body = text[:-1] if text.endswith(b",") else text
    if body[:1] != b"{" or body.count(b"[") + body.count(b"{") > _MOST_BRACKETS:
        return None
    return decode(body)


def _object(data: bytes) -> dict | None:
    """The JSON object ``data`` holds, or None."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def _whole(header: bytes, rest: bytes) -> bool:
    """Whether the header, ``]`` and the rest make one JSON object, as the file must."""
    if len(rest) > MAX_FRAME_BYTES:
        return False
    try:
        return isinstance(orjson.loads(header + rest), dict)
    except orjson.JSONDecodeError:
        return False
