"""Read-your-writes across requests and workers: a user's last write position in a cookie.

With read replicas (``GEOMAP_DB_READ``) a write goes to the primary and later reads to a
standby that may not have replayed it yet. After a request that wrote, the response
carries the write's WAL position in a cookie; the user's next requests, on whichever
worker or host, read at or after it (the store waits briefly for the standby, or reads
from the primary). Without replicas the store reports no position and no cookie is set.
"""

from __future__ import annotations

import re
from contextlib import ExitStack

from flask import Flask, Response, g, request

from geomap.web.state import app_state

COOKIE = "geomap_written"
#: How long a user's reads keep waiting for their write: far above any replica's lag.
COOKIE_SECONDS = 300
_POSITION = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")


def register(app: Flask) -> None:
    """Install the hooks that carry the position from response to request."""
    app.before_request(_read_after_cookie)
    app.after_request(_set_cookie)
    app.teardown_request(_forget)


def _read_after_cookie() -> None:
    stack = g.geomap_consistency = ExitStack()
    position = request.cookies.get(COOKIE, "")
    g.geomap_position = position if _POSITION.fullmatch(position) else None
    # Always entered, so that a pooled thread does not carry one user's position to the next.
    stack.enter_context(app_state().store.reading_after(g.geomap_position))


def _set_cookie(response: Response) -> Response:
    position = app_state().store.written_position()
    if position and position != g.get("geomap_position"):
        response.set_cookie(COOKIE, position, max_age=COOKIE_SECONDS, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def _forget(error: BaseException | None) -> None:
    stack = g.pop("geomap_consistency", None)
    if stack is not None:
        stack.close()
