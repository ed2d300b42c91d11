"""What the views share for the life of an app: settings, the store, the gazetteer."""

from __future__ import annotations

import threading

from flask import current_app

from geomap.config import Settings
from geomap.services.divisions import DivisionIndex
from geomap.store import IncidentStore, open_configured_store

EXTENSION = "geomap"


class AppState:
    """Settings, the open store, and the gazetteer opened (and built) on first use."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store: IncidentStore = open_configured_store(settings)
        self._gazetteer = None
        self._sites: list[dict] | None = None
        self._divisions: DivisionIndex | None = None
        self._lock = threading.Lock()
        #: Whole-set downloads running now: each holds a worker thread while it streams.
        self.export_slots = threading.BoundedSemaphore(settings.export_slots)

    @property
    def gazetteer(self):
        """The gazetteer; the first call opens it, building the index when stale (slow)."""
        if self._gazetteer is None:
            with self._lock:
                if self._gazetteer is None:
                    from geomap.gazetteer import open_gazetteer

                    self._gazetteer = open_gazetteer(self.settings,
                                                     learned=self.store.learned_places)
        return self._gazetteer

    def sites(self) -> list[dict]:
        """The reference sites (bases, airports) as places, read once and kept."""
        if self._sites is None:
            sites = list(self.gazetteer.iter_sites())
            with self._lock:
                self._sites = sites
        return self._sites

    def divisions(self) -> DivisionIndex:
        """The gazetteer's first-level divisions, read once and kept."""
        if self._divisions is None:
            index = DivisionIndex(self.gazetteer.find_divisions())
            with self._lock:
                self._divisions = index
        return self._divisions

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()


def app_state() -> AppState:
    """The current app's state."""
    return current_app.extensions[EXTENSION]
