"""One JSON error shape for every status, mapped in one place.

``{"error": "<code word>", "status": N, "field": <parameter or null>, "message": "..."}``
"""

from __future__ import annotations

import orjson
from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException

from geomap.errors import BusyError, ConflictError, NotFoundError, StorageFullError, ValidationError
from geomap.services.accounts import ForbiddenError, ThrottledError

#: Status → the code word in ``error``.
CODE_WORDS = {
    400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 411: "length_required",
    413: "too_large", 429: "too_many_requests", 414: "uri_too_long", 415: "unsupported_media_type",
    431: "headers_too_large", 500: "internal", 501: "not_implemented", 503: "unavailable",
    507: "insufficient_storage",
}
#: Headers of an HTTPException that the JSON error keeps (Allow for 405, WWW-Authenticate...).
KEPT_HEADERS = frozenset(("allow", "www-authenticate", "retry-after"))


def error_response(status: int, message: str, field: str | None = None,
                   headers: list[tuple[str, str]] | None = None) -> Response:
    """The JSON error response; nothing of the server's internals goes in it."""
    body = {"error": CODE_WORDS.get(status, "error"), "status": status, "field": field,
            "message": message}
    response = Response(orjson.dumps(body), status, headers or [],
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    """Map geomap's named errors and every HTTP or unexpected error to the JSON shape."""
    app.register_error_handler(ValidationError, _invalid)
    app.register_error_handler(NotFoundError, _not_found)
    app.register_error_handler(ConflictError, _conflict)
    app.register_error_handler(StorageFullError, _full)
    app.register_error_handler(BusyError, _busy)
    app.register_error_handler(ForbiddenError, _forbidden)
    app.register_error_handler(ThrottledError, _throttled)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _internal)


def _invalid(error: ValidationError) -> Response:
    return error_response(400, error.message, error.field)


def _not_found(error: NotFoundError) -> Response:
    return error_response(404, str(error))


def _conflict(error: ConflictError) -> Response:
    return error_response(409, str(error))


def _forbidden(error: ForbiddenError) -> Response:
    return error_response(403, str(error))


def _throttled(error: ThrottledError) -> Response:
    return error_response(429, str(error), headers=[("Retry-After", str(error.retry_after))])


def _http(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return _internal(error)
    headers = [(name, value) for name, value in error.get_headers()
               if name.lower() in KEPT_HEADERS]
    if status == 401 and not any(name.lower() == "www-authenticate" for name, _ in headers):
        headers.append(("WWW-Authenticate", 'Bearer realm="geomap"'))
    return error_response(status, error.description or error.name, headers=headers)


def _internal(error: Exception) -> Response:
    current_app.logger.exception("unexpected error", exc_info=error)
    return error_response(500, "internal error; the server log has the details")


def _full(error: StorageFullError) -> Response:
    current_app.logger.error("store full: %s", error)
    return error_response(507, "the store's disk is full; nothing of this request was stored. "
                               "Try again once an administrator has freed space")


def _busy(error: BusyError) -> Response:
    return error_response(503, str(error), headers=[("Retry-After", str(error.retry_after))])
