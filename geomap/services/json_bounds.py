"""Bounds on streamed JSON: nesting depth and the size of one feature, checked as bytes are read.

A streaming parser builds each value before anyone can look at it, and ijson's cost grows
with the square of the nesting depth (100 KB of ``[[[[...`` took 274 MB), so the bytes are
scanned for depth before the parser sees them. The scan keeps only quotes and brackets
(``bytes.translate``), drops escaped characters and whole strings, and counts what is left
with numpy, so it costs a small fraction of the parse.
"""

from __future__ import annotations

import numpy as np

from geomap.errors import SourceError

#: A FeatureCollection nests 8 levels at most (a MultiPolygon's positions); 32 leaves room.
MAX_DEPTH = 32
#: One feature: 100,000 positions and 50 extra properties of 10,000 characters fit well inside.
MAX_FEATURE_BYTES = 16_000_000

_KEEP = b'"[]{}'
_DROP = bytes(byte for byte in range(256) if byte not in _KEEP)
_QUOTE = ord('"')
_STEP = np.zeros(256, dtype=np.int8)
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1


class BoundedJSONFile:
    """A binary file whose ``read`` raises SourceError when the JSON read so far breaks a bound.

    ``level`` is the depth of the values that count as one feature (2 for the items of a
    FeatureCollection's ``features``, 1 for a bare list); ``where(n)`` names the n-th (from 0)
    such value, for the error.
    """

    def __init__(self, file, level: int, where, *, max_depth: int = MAX_DEPTH,
                 max_feature_bytes: int = MAX_FEATURE_BYTES):
        self.file, self.level, self.where = file, level, where
        self.max_depth, self.max_feature_bytes = max_depth, max_feature_bytes
        self.depth, self.open_bytes, self.closed = 0, 0, 0
        self._in_string, self._carry = False, b""
        self._error: SourceError | None = None

    def read(self, size: int = -1) -> bytes:
        """Read and check; the bytes up to the feature that breaks a bound, then the error."""
        if self._error is not None:
            raise self._error
        data = self.file.read(size)
        state = (self.depth, self._in_string, self._carry)
        self._error = self._check(data)
        if self._error is None:
            return data
        if cut := self._last_close(data, *state):  # an empty read would mean the end of the file
            return data[:cut]
        raise self._error

    def tell(self) -> int:
        """The position in the underlying file."""
        return self.file.tell()

    def _check(self, data: bytes) -> SourceError | None:
        moves = self._moves(data)
        if not moves.size:
            return self._count_open(len(data), self.depth)
        depths = self.depth + np.cumsum(moves, dtype=np.int64)
        closes = (moves < 0) & (depths == self.level)
        if int(depths.max()) > self.max_depth:
            first = int(np.argmax(depths > self.max_depth))
            return SourceError(f"{self.where(self.closed + int(closes[:first].sum()))}: nested "
                               f"deeper than {self.max_depth} levels; nothing after it was read")
        lowest = min(int(depths.min()), self.depth)
        self.depth, self.closed = int(depths[-1]), self.closed + int(closes.sum())
        return self._count_open(len(data), lowest)

    def _count_open(self, size: int, lowest: int) -> SourceError | None:
        """Bytes read since the last time no feature was open."""
        self.open_bytes = size if lowest <= self.level else self.open_bytes + size
        if self.depth > self.level and self.open_bytes > self.max_feature_bytes:
            return SourceError(f"{self.where(self.closed)}: larger than "
                               f"{self.max_feature_bytes:,} bytes; nothing after it was read")
        return None

    def _last_close(self, data: bytes, depth: int, in_string: bool, carry: bytes) -> int:
        """Where the last whole feature before the bound was broken ends in ``data``.

        Byte by byte, but only once, for the read that broke a bound.
        """
        end, escaped = 0, bool(carry)
        for position, byte in enumerate(data):
            if in_string:
                escaped, in_string = (False, True) if escaped else (byte == 92, byte != 34)
            elif byte == 34:
                in_string = True
            elif byte in b"[{":
                depth += 1
                if depth > self.max_depth:
                    break
            elif byte in b"]}":
                depth -= 1
                end = position + 1 if depth == self.level else end
        return end

    def _moves(self, data: bytes) -> np.ndarray:
        """+1 for each opening and -1 for each closing bracket outside strings, in order."""
        text = self._carry + data
        if b"\\" in text:  # an escaped quote is no quote; an escaped backslash escapes nothing
            text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
        self._carry = b"\\" if text.endswith(b"\\") else b""
        kept = np.frombuffer(text.translate(None, _DROP), dtype=np.uint8)
        quotes = kept == _QUOTE
        inside = (np.cumsum(quotes) + self._in_string) % 2 == 1
        self._in_string = bool(inside[-1]) if kept.size else self._in_string
        return _STEP[kept[~inside & ~quotes]]
