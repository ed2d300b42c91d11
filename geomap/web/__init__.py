"""The web layer: the app factory, the map page and the HTTP API."""
