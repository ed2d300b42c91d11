"""geomap: offline gazetteer, incident extraction and a Leaflet map for conflict reporting."""

__version__ = "0.1.0"
