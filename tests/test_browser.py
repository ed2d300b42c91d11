"""The map page in a real Chromium (Playwright) against a live server and a real store.

Needs Debian's chromium at /usr/bin/chromium (``.ci/run`` installs it); without it the
tests are skipped, except under CI where they fail.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from geomap.datafiles import data_folder
from geomap.extract import extract_report, read_report
from geomap.incident import parse_feature
from geomap.store import open_store
from tests.browser_support import unused_port, wait_for_markers

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__xss=1">'
GREEN_VILLAGE_QUOTE = "four US soldiers are being evaluated for minor injuries"


@pytest.fixture(scope="module")
def seed_features(gazetteer) -> list[dict]:
    """The three incidents of the seed report."""
    (seed,) = sorted(data_folder("seeds").glob("*.txt"))
    features = extract_report(read_report(seed), gazetteer)
    assert len(features) == 3
    return features


@pytest.fixture(scope="module")
def xss_feature() -> dict:
    """An imported incident whose summary is an HTML injection attempt."""
    return parse_feature({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [43.1189, 36.345]},
        "properties": {
            "layer": "imported", "event_date": "2021-06-01", "event_type": "Protests",
            "sub_event_type": "Peaceful protest", "location": "Mosul", "location_mention": XSS,
            "country": "IQ", "geo_precision": 1, "summary": XSS, "quote": f"quoted {XSS}",
            "source": {"title": "Test source", "url": "https://example.org/a?b=<c>"},
            "status": "published"}})


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, gazetteer_path, seed_features, xss_feature):
    """The real app on a free port, its tiles pointed at a dead local port."""
    from werkzeug.serving import make_server

    from geomap.web import create_app

    db = tmp_path_factory.mktemp("browser") / "incidents.sqlite"
    with open_store(db) as store:
        result = store.add_many([*seed_features, xss_feature])
        assert result.added == 4, result
    tile_origin = f"http://127.0.0.1:{unused_port()}"
    # The seed's incidents are drafts: this server shows them to everyone, as the map's
    # tests expect (tests/test_workspace_browser.py runs the default, published only).
    app = create_app(db=db, api_token="browser-test-token", gazetteer_db=gazetteer_path,
                     tile_url=f"{tile_origin}/{{z}}/{{x}}/{{y}}.png", drafts_public=True,
                     secret_key="browser test key")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "tile_origin": tile_origin}
    server.shutdown()
    thread.join(5)
    app.extensions["geomap"].close()


def open_map(page, live_server, query: str = ""):
    """Load the map page and wait until its layers are drawn."""
    page.goto(f"{live_server['url']}/{query}")
    page.wait_for_selector("#geomap[data-state=ready]")
    return page


def url_params(page) -> dict[str, list[str]]:
    """The page URL's query parameters."""
    return parse_qs(urlsplit(page.url).query)


def test_seed_incidents_are_on_the_map(page, live_server):
    open_map(page, live_server)
    wait_for_markers(page, "incidents", 3)
    wait_for_markers(page, "imported", 1)
    layer_counts = page.locator("#layer-list li").all_inner_texts()
    assert any("Incidents" in row and "3" in row for row in layer_counts), layer_counts
    assert any("Bases and airports" in row for row in layer_counts), layer_counts
    assert page.locator("#total").inner_text() == "4 incidents on the map"


def test_toggling_an_event_type_hides_its_markers(page, live_server):
    open_map(page, live_server)
    wait_for_markers(page, "incidents", 3)
    page.get_by_label("Explosions/Remote violence").uncheck()
    wait_for_markers(page, "incidents", 1)
    assert page.locator(".marker.sym-explosions-remote-violence").count() == 0
    assert "Explosions/Remote violence" not in url_params(page)["type"][0]
    page.get_by_label("Explosions/Remote violence").check()
    wait_for_markers(page, "incidents", 3)
    assert "type" not in url_params(page)


def test_date_filter_changes_the_map_and_the_url(page, live_server):
    open_map(page, live_server)
    wait_for_markers(page, "incidents", 3)
    page.get_by_label("From").fill("2022-01-01")
    wait_for_markers(page, "incidents", 2)
    assert url_params(page)["start"] == ["2022-01-01"]
    assert page.locator("#layer-list li", has_text="Incidents").locator(".count").inner_text() == "2"
    assert "start=2022-01-01" in page.locator("#dl-geojson").get_attribute("href")
    shared = page.url

    again = page.context.new_page()
    open_map(again, {"url": shared.rsplit("/", 1)[0]}, "?" + urlsplit(shared).query)
    wait_for_markers(again, "incidents", 2)
    assert again.get_by_label("From").input_value() == "2022-01-01"


def test_marker_popup_shows_the_quote(page, live_server):
    open_map(page, live_server, "?start=2022-04-07&end=2022-04-07")
    wait_for_markers(page, "incidents", 1)
    page.locator(".marker.layer-incidents").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    # The popup says it is loading until the incident's own request answers (slow under load).
    page.wait_for_function("() => !/Loading/.test(document.querySelector("
                           "'.leaflet-popup-content').innerText)")
    text = popup.inner_text()
    assert GREEN_VILLAGE_QUOTE in text
    assert "2022-04-07 at 01:09" in text
    assert "Shelling/artillery/missile attack" in text
    assert "exact: the named place itself" in text


def test_drafts_are_drawn_apart_and_popups_link_to_the_permalink(page, live_server):
    open_map(page, live_server, "?start=2022-04-07&end=2022-04-07")
    wait_for_markers(page, "incidents", 1)
    marker = page.locator(".marker.layer-incidents")
    assert "status-draft" in marker.get_attribute("class")  # the seed's incidents are drafts
    marker.click()
    link = page.locator(".leaflet-popup-content .popup-permalink")
    link.wait_for()
    link.click()
    page.wait_for_selector("#small-map[data-state=ready]")
    assert "/incidents/" in page.url and GREEN_VILLAGE_QUOTE in page.inner_text("main")


def test_download_link_gives_the_filtered_set(page, live_server, seed_features):
    open_map(page, live_server, "?start=2022-01-01")
    wait_for_markers(page, "incidents", 2)
    href = page.locator("#dl-geojson").get_attribute("href")
    with urllib.request.urlopen(urljoin(live_server["url"], href)) as response:
        assert "attachment" in response.headers["Content-Disposition"]
        downloaded = json.load(response)
    expected = {f["id"] for f in seed_features if f["properties"]["event_date"] >= "2022-01-01"}
    assert {f["id"] for f in downloaded["features"]} == expected
    in_page = page.evaluate("href => fetch(href).then(r => r.json())", href)
    assert in_page == downloaded

    whole = page.locator("#dl-all").get_attribute("href")
    with urllib.request.urlopen(urljoin(live_server["url"], whole)) as response:
        assert len(json.load(response)["features"]) == 3


def test_format_download_links_carry_the_filters(page, live_server):
    open_map(page, live_server, "?start=2022-01-01")
    wait_for_markers(page, "incidents", 2)
    hrefs = {fmt: page.locator(f"a[data-format={fmt}]").get_attribute("href")
             for fmt in ("csv", "kml", "gpkg", "html")}
    for fmt, href in hrefs.items():
        assert parse_qs(urlsplit(href).query) == {"start": ["2022-01-01"], "download": ["1"],
                                                   "format": [fmt]}
    pytest.importorskip("geomap.services.export", reason="the export service is not there yet")
    for href in hrefs.values():
        with urllib.request.urlopen(urljoin(live_server["url"], href)) as response:
            assert "attachment" in response.headers["Content-Disposition"] and response.read()


def test_page_requests_nothing_outside_its_origin(page, live_server, tmp_path, record_property):
    open_map(page, live_server)
    wait_for_markers(page, "incidents", 3)
    page.get_by_label("Bases and airports").check()
    page.wait_for_selector(".cluster.layer-sites, .marker.layer-sites")
    page.wait_for_selector(".map-notice")  # tiles failed: the offline outlines are on
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path').length > 100")
    screenshot = tmp_path / "map.png"
    page.screenshot(path=screenshot)
    record_property("screenshot", str(screenshot))
    print(f"screenshot: {screenshot}")

    allowed = {live_server["url"], live_server["tile_origin"]}
    origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in page.requests}
    assert origins <= allowed, sorted(origins - allowed)
    assert live_server["tile_origin"] in origins
    assert any(url.endswith("/static/vendor/world-atlas/countries-50m.json") for url in page.requests)


def test_popup_shows_html_in_data_as_text(page, live_server):
    open_map(page, live_server, "?layers=imported")
    wait_for_markers(page, "imported", 1)
    page.locator(".marker.layer-imported").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert XSS in popup.locator(".popup-summary").inner_text()
    assert f"quoted {XSS}" in popup.locator(".popup-quote").inner_text()
    assert popup.locator("img").count() == 0
    link = popup.get_by_role("link", name="Test source")
    assert link.get_attribute("href") == "https://example.org/a?b=%3Cc%3E"
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None


def test_place_search_flies_to_the_match(page, live_server):
    open_map(page, live_server)
    page.get_by_label("Place name").fill("Deir Azor")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector("#place-result >> text=Found Deir ez-Zor")
    page.wait_for_function("() => /map=\\d+\\/35\\.3/.test(location.search)")
    zoom, lat, lon = (float(n) for n in url_params(page)["map"][0].split("/"))
    assert abs(lat - 35.336) < 0.05 and abs(lon - 40.141) < 0.05 and zoom >= 10

    page.get_by_label("Place name").fill("Qwxzv Plorkt")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector("#place-result >> text=No place found")


def test_play_steps_through_time(page, live_server):
    open_map(page, live_server)
    wait_for_markers(page, "incidents", 3)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => new URL(location.href).searchParams.has('end')")
    first_end = url_params(page)["end"][0]
    assert first_end <= "2020-02-02"
    wait_for_markers(page, "incidents", 1)  # the first month holds the Baghdad airport strike
    page.get_by_role("button", name="Pause").click()
    assert page.get_by_role("button", name="Play").get_attribute("aria-pressed") == "false"


def test_vendor_files_come_from_the_xstatic_packages_only(live_server):
    base = live_server["url"]
    with urllib.request.urlopen(f"{base}/vendor/leaflet-markercluster/leaflet.markercluster.js") as response:
        assert b"MarkerClusterGroup" in response.read()
    for path in ("/vendor/leaflet/../../__init__.py", "/vendor/leaflet/..%2F__init__.py",
                 "/vendor/nonesuch/leaflet.js", "/vendor/leaflet/%2Fetc%2Fpasswd"):
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(base + path)
        assert raised.value.code == 404, path
