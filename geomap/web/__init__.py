"""The web layer: the app factory, the map page and the HTTP API.

Serve it with ``geomap serve`` or any WSGI server, e.g.
``waitress-serve --call geomap.web:create_app`` (settings from ``GEOMAP_*``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from urllib.parse import urlsplit

import orjson
from flask import Flask, Response, request
from flask.json.provider import JSONProvider

from geomap.config import Settings

SELF = "'self'"


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """The geomap app: Settings from the environment (or given), then ``overrides`` on top."""
    settings = settings or Settings.from_env()
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    app = Flask(__name__, static_folder=_static_folder(), static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, GEOMAP_SETTINGS=settings)
    app.json = OrjsonProvider(app)
    _compress(app)
    from geomap.web.state import EXTENSION, AppState

    app.extensions[EXTENSION] = AppState(settings)
    _register(app, settings)
    return app


def _register(app: Flask, settings: Settings) -> None:
    from geomap.web import api_gazetteer, api_writes  # noqa: F401 - their views join api's
    from geomap.web.api import bp as api
    from geomap.web.auth import init_auth
    from geomap.web.errors import register_error_handlers

    register_error_handlers(app)
    init_auth(app)
    app.register_blueprint(api)
    from geomap.web.workspace import bp as workspace

    app.register_blueprint(workspace)
    app.register_blueprint(importlib.import_module("geomap.web.ogc").bp)
    if importlib.util.find_spec("geomap.web.pages") is not None:
        from geomap.web.pages import bp as pages

        app.register_blueprint(pages)
    from geomap.web import consistency

    consistency.register(app)
    headers = security_headers(settings.tile_url)
    app.after_request(lambda response: _finish(response, headers))


#: What is sent compressed (br, else gzip) to a client that accepts it; downloads stream.
COMPRESSED_TYPES = ("application/json", "application/geo+json", "text/csv",
                    "application/vnd.google-earth.kml+xml", "text/html", "text/css",
                    "text/javascript", "application/javascript", "image/svg+xml")


def _compress(app: Flask) -> None:
    from flask_compress import Compress

    app.config.update(
        COMPRESS_MIMETYPES=list(COMPRESSED_TYPES), COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"], COMPRESS_BR_LEVEL=4, COMPRESS_LEVEL=5,
        COMPRESS_STREAMING_ENDPOINT_CONDITIONAL=["static", "pages.vendor"])
    Compress(app)
    from geomap.web.static_cache import StaticCompression

    static = StaticCompression(COMPRESSED_TYPES, br_level=4, gzip_level=5)
    app.after_request(lambda response: static(request, response))  # runs before Compress's


def _static_folder() -> str | None:
    from geomap.datafiles import data_folder

    try:
        return str(data_folder("static"))
    except FileNotFoundError:
        return None


def _finish(response: Response, headers: dict[str, str]) -> Response:
    from geomap.web.auth import personal

    response.headers.update(headers)
    if request.method in ("GET", "HEAD") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    # What a signed-in user sees (drafts) is theirs: no shared cache may keep it.
    if personal() and "Cache-Control" in response.headers:
        response.headers["Cache-Control"] = response.headers["Cache-Control"].replace(
            "public", "private")
    response.vary.update(("Cookie", "Authorization"))
    return response


def security_headers(tile_url: str) -> dict[str, str]:
    """Headers for every response: no sniffing, same-origin referrers, a strict CSP."""
    # data: lets Leaflet blank out tiles it no longer needs with an inline GIF.
    images = " ".join(dict.fromkeys((SELF, tile_source(tile_url) or SELF, "data:")))
    policy = (f"default-src {SELF}; script-src {SELF}; style-src {SELF}; img-src {images}; "
              f"connect-src {SELF}; object-src 'none'; base-uri {SELF}; form-action {SELF}; "
              "frame-ancestors 'none'")
    return {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
            "Content-Security-Policy": policy}


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a tile URL template; a templated subdomain becomes ``*``.

    >>> tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    'https://*.tile.openstreetmap.org'
    >>> tile_source("/tiles/{z}/{x}/{y}.png") is None
    True
    """
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    if templated:
        labels = ["*", *labels[templated[-1] + 1:]]
    host = ".".join(labels)
    return f"{parts.scheme}://{host}" if re.fullmatch(r"[\w*.:-]+", host) else None


class OrjsonProvider(JSONProvider):
    """Flask's JSON through orjson: faster, and strict about what it encodes."""

    def dumps(self, obj, **kwargs) -> str:
        """Encode ``obj`` as JSON text."""
        return orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs):
        """Decode JSON text or bytes."""
        return orjson.loads(s)

    def response(self, *args, **kwargs) -> Response:
        """A JSON response, as ``flask.jsonify`` makes it."""
        obj = self._prepare_response_obj(args, kwargs)
        data = orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS)
        return self._app.response_class(data, mimetype="application/json")
