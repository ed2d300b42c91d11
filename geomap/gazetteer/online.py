"""Opt-in online fallback: geopy's Nominatim geocoder, used only when configured."""

from __future__ import annotations

from geomap.errors import SourceError


class NominatimFallback:
    """Asks OpenStreetMap's Nominatim for names the offline gazetteer cannot place."""

    def __init__(self, user_agent: str, domain: str = "nominatim.openstreetmap.org",
                 scheme: str = "https", timeout: float = 10):
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        self._geocoder = Nominatim(user_agent=user_agent, domain=domain, scheme=scheme, timeout=timeout)
        # Nominatim's usage policy allows one request a second.
        self._geocode = RateLimiter(self._geocoder.geocode, min_delay_seconds=1.0)

    def lookup(self, query: str, country: str | None = None) -> dict | None:
        """A candidate in the gazetteer answer's shape, or None."""
        from geopy.exc import GeopyError

        try:
            found = self._geocode(query, country_codes=country.lower() if country else None,
                                  addressdetails=True, language="en")
        except GeopyError as exc:
            raise SourceError(f"Nominatim did not answer: {exc}") from exc
        if found is None:
            return None
        raw = found.raw
        address = raw.get("address", {})
        return {
            "name": raw.get("name") or found.address.split(",")[0], "lat": found.latitude,
            "lon": found.longitude, "country": (address.get("country_code") or "").upper() or None,
            "admin1": address.get("state") or address.get("province"), "feature": raw.get("type"),
            "gazetteer_id": f"osm:{raw.get('osm_type', '')}/{raw.get('osm_id', '')}",
            "score": 0.6, "why": "found online by Nominatim (OpenStreetMap)",
            "population": None, "source": "nominatim",
        }
