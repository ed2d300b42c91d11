"""Exports as a person sees them, in a real Chromium: KML descriptions as a KML viewer shows
them (Google Earth and ArcGIS put a Placemark's ``description``, name and data into an HTML
balloon: each hostile payload shows as text and none runs), and the standalone HTML map
with its title, the description of its filters and its legend, opened offline."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from geomap.query import IncidentQuery
from geomap.services.export import write_html_map, write_kml
from geomap.store import SQLiteStore
from tests.incident_samples import sample

pytestmark = pytest.mark.browser
KML = "{http://www.opengis.net/kml/2.2}"
PAYLOADS = [
    '<img src=x onerror="window.__ran.push(1)">',
    "<script>window.__ran.push(2)</script>",
    '<svg onload="window.__ran.push(3)"></svg>',
    '<iframe src="javascript:parent.__ran.push(4)"></iframe>',
    '<body onload="window.__ran.push(5)">',
    '<details open ontoggle="window.__ran.push(6)">',
    '<a href="javascript:window.__ran.push(7)" id="lure">Full report</a>',
]


def test_every_payload_in_a_kml_balloon_shows_as_text_and_none_runs(tmp_path, browser):
    features = []
    for number, payload in enumerate(PAYLOADS):
        feature = sample("mosul_ied")
        feature["properties"].update(summary=f"Checkpoint attack {number}: {payload}",
                                     location=f"Mosul {payload}", actor1=payload)
        features.append(feature)
    with SQLiteStore(tmp_path / "kml.sqlite") as store:
        store.add_many(features)
        out = io.BytesIO()
        write_kml(store, IncidentQuery(limit=None), out)
    placemarks = list(ET.fromstring(out.getvalue()).iter(f"{KML}Placemark"))
    balloons = [(p.findtext(f"{KML}name"), p.findtext(f"{KML}description"),
                 [d.findtext(f"{KML}value") for d in p.iter(f"{KML}Data")]) for p in placemarks]
    page = browser.new_page()
    try:
        page.set_content("<html><body><div id=balloon></div></body></html>")
        page.evaluate("window.__ran = []")
        for name, description, values in balloons:
            shown = page.evaluate(
                """([name, description, values]) => {
                     const balloon = document.getElementById('balloon');
                     balloon.innerHTML = `<h3>${name}</h3><div>${description}</div>` +
                       values.map(v => `<td>${v}</td>`).join('');  // what a KML viewer does
                     const lure = balloon.querySelector('#lure'); if (lure) lure.click();
                     return {text: balloon.textContent,
                             tags: [...balloon.querySelectorAll('*')].map(e => e.tagName)};
                   }""", [name, description, values])
            payload = next(p for p in PAYLOADS if p in shown["text"])
            assert shown["text"].count(payload) >= 3  # name, description and actor1, as text
            assert set(shown["tags"]) <= {"H3", "DIV", "TD"}, shown["tags"]
        page.wait_for_timeout(300)  # let any onerror or onload that was injected fire
        assert page.evaluate("window.__ran") == []
    finally:
        page.close()


def test_the_html_map_says_what_it_shows_and_how_it_was_filtered(tmp_path, browser):
    features = []
    for number, (name, lon, lat) in enumerate([("Mosul", 43.13, 36.34), ("Kirkuk", 44.39, 35.47),
                                               ("Tikrit", 43.69, 34.61)]):
        feature = sample("mosul_ied")
        feature["properties"].update(location=name, event_date=f"2024-01-{15 + number}",
                                     summary=f"An IED struck a patrol near {name}.")
        feature["geometry"]["coordinates"] = [lon, lat]
        features.append(feature)
    protest = sample("baghdad_protest")
    protest["properties"]["event_date"] = "2024-01-16"
    features.append(protest)
    query = IncidentQuery(countries=["IQ"], start=date(2024, 1, 15), end=date(2024, 1, 21),
                          limit=None)
    path = tmp_path / "map.html"
    with SQLiteStore(tmp_path / "html.sqlite") as store:
        store.add_many(features)
        with path.open("wb") as out:
            assert write_html_map(store, query, out) == 4
    page = browser.new_page()
    try:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())  # offline: tiles are the only thing left to fetch
        page.goto(path.as_uri())
        panel = page.locator(".geomap-panel")
        assert page.title() == "incidents: 4 incidents"
        assert panel.is_visible()
        text = panel.inner_text()
        assert "Filters: 2024-01-15 to 2024-01-21; country IQ." in text
        assert "Explosions/Remote violence (3)" in text and "Protests (1)" in text
        assert page.locator(".leaflet-marker-icon, .marker-cluster, path.leaflet-interactive").count()
    finally:
        page.close()
