"""Where the top-level data folders (``gazetteer/``, ``seeds/``, ``static/``) are.

In a wheel they are installed inside the package (``geomap.curated``, ``geomap.seeds``,
``geomap.static``, see pyproject.toml); in a source checkout or an editable install they
are read where they stand.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

INSTALLED_AS = {"gazetteer": "curated", "seeds": "seeds", "static": "static"}


def data_folder(name: str) -> Path:
    """The folder holding one of geomap's data sets, installed or in the checkout."""
    installed = Path(str(importlib.resources.files("geomap"))) / INSTALLED_AS[name]
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"geomap's {name}/ data folder is missing from this installation")
