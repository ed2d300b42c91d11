"""A standalone HTML map of incidents (folium: Leaflet with clustered markers).

Every value shown is HTML-escaped, and ``$``, backslash and backtick too, because folium
places popup and tooltip HTML inside JavaScript template literals.
"""

from __future__ import annotations

import html
import importlib
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from geomap.errors import ValidationError
from geomap.incident import representative_point
from geomap.query import IncidentQuery
from geomap.services import incidents
from geomap.store import IncidentStore

_PANEL_STYLE = ("position:fixed;top:10px;right:10px;z-index:1000;background:#fff;padding:8px 12px;"
                "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.4 sans-serif;"
                "max-width:320px")
MAX_FEATURES = 20_000  # beyond this a single HTML page gets too slow to open
COLORS = {"Battles": "red", "Explosions/Remote violence": "darkred",
          "Violence against civilians": "purple", "Protests": "blue", "Riots": "orange",
          "Strategic developments": "gray"}


def write_html_map(store: IncidentStore, query: IncidentQuery, out: BinaryIO, *,
                   tiles: str = "OpenStreetMap", attribution: str | None = None,
                   max_features: int = MAX_FEATURES) -> int:
    """One HTML file: a Leaflet map with a clustered marker and popup per match."""
    import folium
    from folium.plugins import MarkerCluster

    _check_size(store, query, max_features)
    fmap = folium.Map(tiles=tiles, attr=attribution, control_scale=True)
    cluster = MarkerCluster(name=query.layer or "incidents").add_to(fmap)
    lons, lats, kinds = [], [], Counter()
    for feature in incidents.iter_features(store, query):
        lon, lat = representative_point(feature["geometry"])
        lons.append(lon)
        lats.append(lat)
        kinds[feature["properties"]["event_type"]] += 1
        marker(feature, lat, lon).add_to(cluster)
    if lons:
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=10)
    _add_title_and_legend(fmap, query, kinds)
    out.write(self_contained(fmap.get_root().render()).encode("utf-8"))
    return len(lons)


def _add_title_and_legend(fmap, query: IncidentQuery, kinds: Counter) -> None:
    """The page's title, a panel saying what the map shows and how it was filtered, a legend."""
    import folium

    title = f"{query.layer or 'All layers'}: {sum(kinds.values()):,} incidents"
    legend = "".join(f'<li><span style="background:{COLORS[kind]}"></span>{safe(kind)} '
                     f"({kinds[kind]:,})</li>" for kind in COLORS if kinds[kind])
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<title>{safe(title)}</title>"))
    root.html.add_child(folium.Element(
        f'<div class="geomap-panel" style="{_PANEL_STYLE}"><h1 style="font-size:15px;margin:0">'
        f'{safe(title)}</h1><p style="margin:4px 0">{safe(describe_query(query))}</p>'
        f'<ul style="list-style:none;margin:0;padding:0">{legend}</ul></div>'
        f"<style>.geomap-panel li span{{display:inline-block;width:11px;height:11px;"
        f"border-radius:50%;margin-right:6px}}</style>"))


def describe_query(query: IncidentQuery) -> str:
    """The filters of a query in words, for a reader of the map.

    >>> from datetime import date
    >>> describe_query(IncidentQuery(countries=["IQ"], start=date(2024, 1, 15), min_fatalities=5,
    ...                              limit=None))
    'Filters: from 2024-01-15; country IQ; at least 5 fatalities.'
    >>> describe_query(IncidentQuery(limit=None))
    'No filters: every incident of the layer.'
    """
    parts = [_dates(query.start, query.end)] + [
        f"{label} {', '.join(values) if isinstance(values, tuple) else values}"
        for label, values in (("type", query.event_types), ("sub-type", query.sub_event_types),
                              ("country", query.countries), ("actor", query.actor),
                              ("text", query.text), ("status", query.statuses),
                              ("precision", query.precision)) if values]
    if query.min_fatalities is not None:
        parts.append(f"at least {query.min_fatalities:,} fatalities")
    if query.bbox is not None:
        parts.append("within {:g},{:g},{:g},{:g} (lon/lat)".format(*query.bbox))
    if query.limit is not None:
        parts.append(f"the first {query.limit:,} by {query.sort.replace('_', ' ')}")
    parts = [part for part in parts if part]
    return f"Filters: {'; '.join(parts)}." if parts else "No filters: every incident of the layer."


def _dates(start, end) -> str:
    if start and end:
        return f"{start} to {end}"
    return f"from {start}" if start else f"until {end}" if end else ""


_ASSET = re.compile(r'<script src="(?P<js>[^"]+)"></script>|<link rel="stylesheet" href="(?P<css>[^"]+)"/>')
# Files of the pip-installed xstatic packages that stand in for folium's CDN links.
LOCAL_ASSETS = {"jquery.min.js": ("jquery", "jquery.min.js"),
                "jquery-3.7.1.min.js": ("jquery", "jquery.min.js"),
                "leaflet.js": ("leaflet", "leaflet.js"), "leaflet.css": ("leaflet", "leaflet.css"),
                "leaflet.markercluster.js": ("leaflet_markercluster", "leaflet.markercluster.js"),
                "MarkerCluster.css": ("leaflet_markercluster", "MarkerCluster.css"),
                "MarkerCluster.Default.css": ("leaflet_markercluster", "MarkerCluster.Default.css")}


def self_contained(page: str) -> str:
    """The page with Leaflet inlined and the other CDN links dropped, so it opens offline.

    folium's popups need jQuery (xstatic-jquery); circle markers need neither Bootstrap nor
    the icon fonts folium links by default.
    """
    return _ASSET.sub(_inline_asset, page)


def _inline_asset(match: re.Match) -> str:
    url = match.group("js") or match.group("css")
    local = LOCAL_ASSETS.get(url.rsplit("/", 1)[-1])
    if local is None:
        return ""
    text = _xstatic_file(*local).replace("</", "<\\/") if match.group("js") else _xstatic_file(*local)
    return f"<script>{text}</script>" if match.group("js") else f"<style>{text}</style>"


def _xstatic_file(package: str, name: str) -> str:
    module = importlib.import_module(f"xstatic.pkg.{package}")
    return (Path(module.BASE_DIR) / name).read_text("utf-8")


def _check_size(store: IncidentStore, query: IncidentQuery, max_features: int) -> None:
    count = incidents.count_matches(store, query)
    if query.limit is not None:
        count = min(count, query.limit)
    if count > max_features:
        raise ValidationError("limit", f"{count:,} incidents match; an HTML map holds at most "
                              f"{max_features:,}: narrow the query or give a limit")


def marker(feature: Mapping, lat: float, lon: float):
    """A folium Marker with an escaped tooltip and popup, coloured by event type."""
    import folium

    p = feature["properties"]
    color = COLORS.get(p["event_type"], "gray")
    return folium.CircleMarker(
        [lat, lon], radius=7, color=color, fill=True, fill_color=color, fill_opacity=0.8,
        popup=folium.Popup(popup_html(feature), max_width=360),
        tooltip=folium.Tooltip(safe(p.get("location") or p["sub_event_type"])))


def popup_html(feature: Mapping) -> str:
    """The popup's HTML: what, when, where, who, the toll and the source, all escaped."""
    p = feature["properties"]
    rows = [("Date", " ".join(filter(None, (p["event_date"], p.get("event_time"))))),
            ("Type", f"{p['event_type']}: {p['sub_event_type']}"),
            ("Where", ", ".join(filter(None, (p.get("location"), p.get("admin1"),
                                               p.get("country"))))),
            ("Actors", " / ".join(filter(None, (p.get("actor1"), p.get("actor2"))))),
            ("Fatalities", "" if p.get("fatalities") is None else str(p["fatalities"])),
            ("Source", _source_text(p.get("source") or {}))]
    table = "".join(f"<tr><th>{name}</th><td>{safe(value)}</td></tr>"
                    for name, value in rows if value)
    url = (p.get("source") or {}).get("url")
    link = f'<a href="{safe(url)}" target="_blank" rel="noopener">source</a>' if url else ""
    return (f"<b>{safe(p['sub_event_type'])}</b><p>{safe(p.get('summary') or '')}</p>"
            f"<table>{table}</table>{link}")


def _source_text(source: Mapping) -> str:
    return " — ".join(filter(None, (source.get("title"), source.get("publisher"),
                                    source.get("published"))))


def safe(text: object) -> str:
    """Text escaped for HTML inside a JavaScript template literal.

    >>> safe('<script>alert(`${1}`)</script>')
    '&lt;script&gt;alert(&#96;&#36;{1}&#96;)&lt;/script&gt;'
    """
    return (html.escape(str(text), quote=True).replace("\\", "&#92;").replace("$", "&#36;")
            .replace("`", "&#96;"))
