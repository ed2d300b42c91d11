"""The map page and the vendored front-end libraries it loads (no CDN, no build step)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from geomap.config import Settings
from geomap.incident import EVENT_TYPES, country_names

bp = Blueprint("pages", __name__, template_folder="templates")

#: URL name → the pip-installed XStatic package whose files it serves.
VENDOR_PACKAGES = {
    "leaflet": "xstatic.pkg.leaflet",
    "leaflet-markercluster": "xstatic.pkg.leaflet_markercluster",
}
VENDOR_MAX_AGE = 7 * 24 * 3600


@bp.get("/")
def index():
    """The incident map; its configuration rides on ``data-*`` attributes."""
    settings = current_app.config.get("GEOMAP_SETTINGS") or Settings()
    return render_template(
        "pages/index.html",
        modules=_module_names(),
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        event_types=[(kind, slug(kind), subs) for kind, subs in EVENT_TYPES.items()],
        event_types_json=json.dumps({kind: slug(kind) for kind in EVENT_TYPES}),
        countries=country_names(),
    )


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """A file of a vendored library; send_from_directory refuses paths outside it."""
    module_name = VENDOR_PACKAGES.get(package)
    if module_name is None:
        abort(404)
    base_dir = importlib.import_module(module_name).BASE_DIR
    return send_from_directory(base_dir, filename, max_age=VENDOR_MAX_AGE)


def _module_names() -> list[str]:
    """The page's JavaScript modules, preloaded together instead of one import level at a time."""
    folder = Path(current_app.static_folder or "", "js")
    return sorted(path.name for path in folder.glob("*.js"))


def slug(text: str) -> str:
    """A name fit for CSS classes and element ids.

    >>> slug("Explosions/Remote violence")
    'explosions-remote-violence'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
