"""Writes need ``Authorization: Bearer <token>`` matching the configured API token."""

from __future__ import annotations

import functools
import hmac

from flask import request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from geomap.web.state import app_state

REALM = "geomap"


def require_token(view):
    """Refuse the request with 401 unless it carries the configured bearer token."""
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        check_bearer(request.headers.get("Authorization", ""), app_state().settings.api_token)
        return view(*args, **kwargs)
    return guarded


def check_bearer(header: str, token: str) -> None:
    """Raise Unauthorized unless ``header`` is ``Bearer <token>``; an empty token refuses all."""
    if not token:
        raise _unauthorized("writes are disabled: the server has no API token configured")
    scheme, _, given = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise _unauthorized("send the API token as 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise _unauthorized("the bearer token is wrong", "invalid_token")


def _unauthorized(message: str, error: str | None = None) -> Unauthorized:
    values = {"realm": REALM, **({"error": error} if error else {})}
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer", values))
