"""Static files (the app's own and the vendored libraries') compressed once per version and
encoding, not again on every request.

Flask-Compress compresses a streamed file anew for each request (the 1:50m countries,
740 KB of TopoJSON, cost 14 ms of brotli on every page load); this keeps each compressed
copy, named by the file's path, its ETag and the encoding, so a page load copies bytes.
It runs before Flask-Compress, which then leaves the response alone (it is encoded).
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict

import brotli
from flask import Request, Response

#: The endpoints that serve files: ``static/`` and the vendored packages.
STATIC_ENDPOINTS = frozenset(("static", "pages.vendor"))
#: Compressed copies kept (two encodings of each file; the app serves some dozens).
MAX_COPIES = 256
_ENCODINGS = ("br", "gzip")


class StaticCompression:
    """An after-request hook that sends a static file from its compressed copy."""

    def __init__(self, types: tuple[str, ...], br_level: int, gzip_level: int):
        self.types, self.levels = frozenset(types), {"br": br_level, "gzip": gzip_level}
        self._copies: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, request: Request, response: Response) -> Response:
        """``response`` encoded from the kept copy, when it is a whole static file of a
        compressible type that the client takes compressed; else as it was."""
        encoding = request.accept_encodings.best_match(_ENCODINGS)
        if (encoding is None or request.endpoint not in STATIC_ENDPOINTS
                or response.status_code != 200 or response.mimetype not in self.types
                or "Content-Encoding" in response.headers):
            return response
        etag, _ = response.get_etag()
        key = (request.path, etag, response.last_modified, encoding)
        response.direct_passthrough = False
        body = self._find(key)
        if body is None:
            body = self._keep(key, self._compress(response.get_data(), encoding))
        file = response.response
        response.set_data(body)
        if hasattr(file, "close"):
            file.close()  # the file it would have streamed
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        if etag:
            response.set_etag(f"{etag}:{encoding}")
        return response.make_conditional(request)

    def _compress(self, data: bytes, encoding: str) -> bytes:
        if encoding == "br":
            return brotli.compress(data, quality=self.levels["br"])
        return gzip.compress(data, self.levels["gzip"])

    def _find(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._copies.get(key)
            if body is not None:
                self._copies.move_to_end(key)
            return body

    def _keep(self, key: tuple, body: bytes) -> bytes:
        with self._lock:
            self._copies[key] = body
            while len(self._copies) > MAX_COPIES:
                self._copies.popitem(last=False)
        return body
