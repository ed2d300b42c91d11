"""The map for 20,000 incidents in a real Chromium: aggregates, the chart, the table, pickers.

The store holds 20,000 incidents from the benchmarks' generator (benchmarks/synthetic.py)
and one incident reported in Arabic, served by the real app on a live server.
"""

from __future__ import annotations

import csv
import json
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from geomap.incident import parse_feature
from geomap.services.acled import HEADER as ACLED_HEADER
from geomap.store import open_store
from tests.browser_support import COUNT_MARKERS, unused_port
from tests.incident_samples import load_synthetic

pytestmark = pytest.mark.browser

N = 20_000
#: Written for this test: a drone strike near Mayadin as a local source put it in Arabic.
ARABIC_QUOTE = "قال مصدر محلي إن طائرة مسيّرة استهدفت نقطة تفتيش قرب مدينة الميادين فجر الأحد."
ARABIC_PLACE = "الميادين"
NEWEST = "2025-02-02"  # after every generated incident: the table's first row by date
VIEW = "map=6/35.0/40.0"
MARKER_LIMIT = 3000  # layers.js: at most this many in view are drawn one by one
#: Sum of what the map draws for a layer: the cells' counts and the single markers.
ON_MAP = """layer => {
  let n = 0;
  for (const c of document.querySelectorAll(`.aggregate.layer-${layer}`)) n += Number(c.dataset.count);
  return n + (COUNT_MARKERS)(layer);
}""".replace("COUNT_MARKERS", COUNT_MARKERS)


@pytest.fixture(scope="module")
def arabic_feature() -> dict:
    return parse_feature({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [40.4512, 35.0201]},
        "properties": {
            "event_date": NEWEST, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Air/drone strike", "location": ARABIC_PLACE,
            "location_mention": ARABIC_PLACE, "country": "SY", "admin1": "Deir ez-Zor",
            "geo_precision": 1, "fatalities": 2, "summary": "A drone struck a checkpoint near Mayadin.",
            "quote": ARABIC_QUOTE, "status": "published"}})


@pytest.fixture(scope="module")
def big_server(tmp_path_factory, gazetteer_path, arabic_feature):
    """The app over N generated incidents and the Arabic one; tiles at a dead port."""
    from werkzeug.serving import make_server

    from geomap.web import create_app

    db = tmp_path_factory.mktemp("big-browser") / "incidents.sqlite"
    with open_store(db) as store:
        features = [*load_synthetic().synthetic_incidents(N, 0), arabic_feature]
        assert store.add_many(features).added == N + 1
    app = create_app(db=db, gazetteer_db=gazetteer_path, drafts_public=True,  # a third are drafts
                     tile_url=f"http://127.0.0.1:{unused_port()}/{{z}}/{{x}}/{{y}}.png")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.extensions["geomap"].close()


def api(base: str, path: str, **params) -> dict:
    with urllib.request.urlopen(f"{base}{path}?{urlencode(params)}") as response:
        return json.load(response)


def matched(base: str, **filters) -> int:
    return api(base, "/api/layers/incidents/features", limit=1, **filters)["numberMatched"]


def open_page(page, base: str, query: str) -> None:
    page.goto(f"{base}/?{query}")
    page.wait_for_selector("#geomap[data-state=ready]")


def wait_for_new_view(page, old_bbox: str) -> None:
    page.wait_for_function("old => { const d = document.getElementById('geomap').dataset; "
                           "return d.state === 'ready' && d.viewBbox && d.viewBbox !== old; }",
                           arg=old_bbox)


def dataset(page) -> dict:
    return page.evaluate("() => ({...document.getElementById('geomap').dataset})")


def legend_total(page) -> int:
    cells = page.locator("[data-type-count]").all_inner_texts()
    return sum(int(text.replace(",", "") or 0) for text in cells)


@pytest.mark.parametrize("filters", [
    {},
    {"type": "Battles,Protests", "country": "SY"},
    {"start": "2020-01-01", "end": "2021-06-30", "min_fatalities": "2"},
])
def test_the_map_and_the_legend_count_every_match_in_view(page, big_server, filters):
    open_page(page, big_server, f"{urlencode(filters)}&{VIEW}")
    state = dataset(page)
    expected = matched(big_server, bbox=state["viewBbox"], **filters)
    assert expected > 1000
    cells = page.locator(".aggregate.layer-incidents").count()
    assert cells > 3 if expected > MARKER_LIMIT else cells == 0  # else clustered markers
    assert int(state["inView"]) == expected
    assert page.evaluate(ON_MAP, "incidents") == expected
    assert legend_total(page) == expected
    assert f"{expected:,} incidents" in page.locator("#total").inner_text()
    if cells:
        label = page.locator(".aggregate.layer-incidents").first.get_attribute("aria-label")
        assert label.split(" incidents: ")[0].replace(",", "").isdigit() and "Zoom in" in label


def test_picking_cells_splits_them_until_single_incidents(page, big_server):
    open_page(page, big_server, "map=5/35.0/40.0")
    zoom = 5
    for _ in range(8):
        if page.locator(".marker.layer-incidents").count():
            break
        counts = [int(c) for c in page.locator(".aggregate.layer-incidents").evaluate_all(
            "cells => cells.map(c => c.dataset.count)")]
        biggest = page.locator(f".aggregate.layer-incidents[data-count='{max(counts)}']").first
        old = dataset(page)["viewBbox"]
        biggest.dispatch_event("click")
        wait_for_new_view(page, old)
        new_zoom = int(parse_qs(urlsplit(page.url).query)["map"][0].split("/")[0])
        assert new_zoom > zoom
        zoom = new_zoom
        shown = page.locator(".aggregate.layer-incidents, .marker.layer-incidents, "
                             ".cluster.layer-incidents").count()
        assert shown >= 2, "the cell picked did not split"
        assert page.evaluate(ON_MAP, "incidents") == matched(big_server,
                                                             bbox=dataset(page)["viewBbox"])
    assert page.locator(".marker.layer-incidents").count() > 0
    assert page.locator(".aggregate.layer-incidents").count() == 0


def test_the_chart_shows_the_filtered_set_and_a_bar_sets_the_dates(page, big_server):
    open_page(page, big_server, VIEW)
    page.wait_for_function(f"() => document.getElementById('trends').dataset.total === '{N + 1}'")
    assert page.locator("#trend-chart").is_visible()
    x, y, start = page.evaluate("""() => {
      const chart = Chart.getChart('trend-chart');
      const bar = chart.getDatasetMeta(0).data[5];
      const box = chart.canvas.getBoundingClientRect();
      return [box.left + bar.x, box.top + (bar.y + bar.base) / 2, chart.data.labels[5]];
    }""")
    assert start == "2018-06-01"  # seven years: a bar a month
    old = dataset(page)["viewBbox"]
    page.mouse.click(x, y)
    page.wait_for_function("() => document.getElementById('f-end').value === '2018-06-30'")
    assert page.input_value("#f-start") == "2018-06-01"
    assert parse_qs(urlsplit(page.url).query)["start"] == ["2018-06-01"]
    june = matched(big_server, start="2018-06-01", end="2018-06-30")
    page.wait_for_function(f"() => document.getElementById('trends').dataset.total === '{june}'")
    assert page.locator("#trends").get_attribute("data-buckets") == "30"  # now a bar a day
    page.wait_for_selector("#geomap[data-state=ready]")
    assert old and legend_total(page) == matched(big_server, start="2018-06-01", end="2018-06-30",
                                                 bbox=dataset(page)["viewBbox"])


def test_the_table_pages_sorts_and_shows_an_incident_on_the_map(page, big_server):
    open_page(page, big_server, VIEW)
    page.locator("#tab-table").click()
    rows = page.locator("#incident-table tbody tr")
    page.wait_for_function("() => document.querySelectorAll('#incident-table tbody tr').length === 50")
    assert page.locator(".table-range").inner_text() == f"1–50 of {N + 1:,}"
    assert rows.first.locator("td").first.inner_text() == NEWEST
    page.locator(".table-next").click()
    page.wait_for_function("text => document.querySelector('.table-range').textContent === text",
                           arg=f"51–100 of {N + 1:,}")
    page.locator("th button[data-sort=fatalities]").click()
    most = api(big_server, "/api/layers/incidents/features", sort="fatalities", limit=1)
    page.wait_for_function("() => document.querySelector('.table-range').textContent.startsWith('1–50')")
    assert rows.first.locator("td").nth(2).inner_text() == str(
        most["features"][0]["properties"]["fatalities"])
    assert page.locator("th:has(button[data-sort=fatalities])").get_attribute("aria-sort") == "descending"
    page.locator("th button[data-sort=event_date]").click()
    page.locator("th button[data-sort=event_date]").click()
    page.wait_for_function("() => document.querySelector('th:has(button[data-sort=event_date])')"
                           ".getAttribute('aria-sort') === 'ascending'")
    oldest = api(big_server, "/api/layers/incidents/features", sort="event_date_asc", limit=1)
    page.wait_for_function("date => document.querySelector('#incident-table tbody td').textContent"
                           " === date", arg=oldest["features"][0]["properties"]["event_date"])
    page.locator("th button[data-sort=location]").click()
    page.wait_for_function("() => document.querySelector('th:has(button[data-sort=location])')"
                           ".getAttribute('aria-sort') === 'ascending'")
    places = [text.split(",")[0] for text in rows.locator("td:nth-child(4)").all_inner_texts()]
    assert places == sorted(places) and places[0] == "Ain al-Asad"  # code-point order


def test_an_arabic_quote_runs_right_to_left_in_the_table_and_the_popup(page, big_server):
    open_page(page, big_server, VIEW)
    page.locator("#tab-table").click()
    first = page.locator("#incident-table tbody tr").first
    first.wait_for()
    place = first.locator("td").nth(3)
    assert place.inner_text().startswith(ARABIC_PLACE)
    assert place.evaluate("td => getComputedStyle(td).direction") == "rtl"
    assert first.locator("td").nth(0).evaluate("td => getComputedStyle(td).direction") == "ltr"
    first.click()
    quote = page.locator(".leaflet-popup .popup-quote")
    quote.wait_for()
    assert ARABIC_QUOTE in quote.inner_text()
    assert quote.evaluate("q => getComputedStyle(q).direction") == "rtl"
    assert int(parse_qs(urlsplit(page.url).query)["map"][0].split("/")[0]) >= 12


def test_a_country_typed_by_name_resolves_and_an_invalid_one_clears_the_map(page, big_server):
    open_page(page, big_server, VIEW)
    page.locator("#more-filters summary").click()
    page.fill("#f-country", "Syria")
    page.press("#f-country", "Tab")
    page.wait_for_function("() => document.getElementById('f-country').value === 'SY'")
    assert page.locator("#f-country-names").inner_text() == "Syria (SY)"
    page.wait_for_function("() => new URL(location.href).searchParams.get('country') === 'SY'")
    page.wait_for_selector("#geomap[data-state=ready]")
    assert int(dataset(page)["inView"]) == matched(big_server, country="SY",
                                                   bbox=dataset(page)["viewBbox"]) > 0
    page.fill("#f-country", "Narnia")
    page.press("#f-country", "Tab")
    page.wait_for_selector("#geomap[data-state=invalid]")
    error = page.locator("#f-country + .field-error")
    assert "Narnia" in error.inner_text() and "not a country" in error.inner_text()
    assert page.get_attribute("#f-country", "aria-invalid") == "true"
    assert page.locator(".aggregate, .marker.layer-incidents, .cluster.layer-incidents").count() == 0
    assert "country filter is not valid" in page.locator("#total").inner_text()
    page.fill("#f-country", "Iraq")
    page.press("#f-country", "Tab")
    page.wait_for_selector("#geomap[data-state=ready]")
    assert page.locator("#f-country-error").count() == 0 and page.input_value("#f-country") == "IQ"


def test_the_actor_field_suggests_stored_actors(page, big_server):
    open_page(page, big_server, VIEW)
    page.locator("#more-filters summary").click()
    page.locator("#f-actor").press_sequentially("hayat")
    page.wait_for_function("() => document.querySelectorAll('#f-actor-suggestions option').length > 0")
    options = page.locator("#f-actor-suggestions option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["HTS: Hayat Tahrir al Sham"]


def test_a_filter_the_server_refuses_is_named_beside_it_and_in_a_failed_download(page, big_server):
    open_page(page, big_server, VIEW)
    page.locator("#more-filters summary").click()
    page.fill("#f-actor", "x" * 501)
    page.press("#f-actor", "Tab")
    page.wait_for_selector("#geomap[data-state=invalid]")
    assert "at most 500 characters" in page.locator("#f-actor + .field-error").inner_text()
    assert page.locator(".aggregate, .marker.layer-incidents").count() == 0
    page.locator("a[data-format=csv]").click()
    status = page.locator(".download-status")
    page.wait_for_function("() => document.querySelector('.download-status').textContent.includes('refused')")
    assert "Download refused (400): actor: must be text of at most 500 characters" in status.inner_text()


def test_the_current_view_downloads_with_its_extent(page, big_server):
    open_page(page, big_server, f"country=IQ&{VIEW}")
    page.check("#dl-extent")
    with page.expect_download() as caught:
        page.locator("#dl-geojson").click()
    download = caught.value
    with open(download.path(), encoding="utf-8") as file:
        collection = json.load(file)
    bbox = [float(n) for n in dataset(page)["viewBbox"].split(",")]
    assert len(collection["features"]) == matched(big_server, country="IQ",
                                                  bbox=dataset(page)["viewBbox"])
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def test_the_page_fits_a_390_pixel_screen(browser, big_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = context.new_page()
    open_page(small, big_server, VIEW)
    width = small.evaluate("() => document.documentElement.scrollWidth")
    map_box = small.locator("#map").bounding_box()
    assert width <= 390 and map_box["width"] >= 380 and map_box["height"] >= 200
    assert small.locator(".aggregate.layer-incidents").count() > 0
    context.close()


def test_the_density_layer_counts_every_match_in_view_with_a_legend(page, big_server):
    open_page(page, big_server, f"type=Battles,Riots&{VIEW}")
    page.get_by_label("Density (H3 hexagons)").check()
    legend = page.locator(".density-legend")
    legend.locator("div").first.wait_for()
    expected = matched(big_server, type="Battles,Riots", bbox=dataset(page)["viewBbox"])
    assert legend.get_attribute("data-total") == str(expected)
    assert f"{expected:,} incidents in" in legend.inner_text()
    assert page.locator("path.density-cell").count() > 20
    assert len(legend.locator(".density-swatch").all()) >= 3
    page.get_by_label("Density (H3 hexagons)").uncheck()
    assert page.locator("path.density-cell").count() == 0 and legend.count() == 0


def test_offline_a_search_shows_named_places_around_the_ring(page, big_server):
    page.route("**/*.png", lambda route: route.abort())  # no tiles: the offline basemap
    open_page(page, big_server, VIEW)
    page.wait_for_selector(".map-notice")
    page.fill("#place-q", "Ankawa")
    page.press("#place-q", "Enter")
    slow = 90_000  # the first search opens the gazetteer, which a busy machine reads slowly
    page.wait_for_function("() => Number((new URL(location.href).searchParams.get('map') || '0')"
                           ".split('/')[0]) >= 12", timeout=slow)
    page.wait_for_function("() => [...document.querySelectorAll('.place-label')]"
                           ".some(label => label.textContent === '‘Aynkāwah')", timeout=slow)
    names = page.locator(".place-label").all_inner_texts()
    assert {"Erbil", "Erbil International Airport"} <= set(names), names
    centre = page.evaluate("() => { const r = document.getElementById('map').getBoundingClientRect();"
                           " return [r.left + r.width / 2, r.top + r.height / 2]; }")
    label = page.locator(".place-label", has_text="‘Aynkāwah").bounding_box()
    assert abs(label["x"] - centre[0]) < 120 and abs(label["y"] - centre[1]) < 60  # at the ring
    assert page.locator(".leaflet-overlay-pane path").count() > 50  # the 1:50m countries


def test_counts_per_division_are_drawn_at_the_divisions_and_sum_to_every_match(page, big_server):
    open_page(page, big_server, f"type=Battles,Protests&{VIEW}")
    page.get_by_label("Counts per division (admin1)").check()
    legend = page.locator(".division-legend")
    legend.locator("div").first.wait_for()
    expected = matched(big_server, type="Battles,Protests")  # every division, not only the view
    assert legend.get_attribute("data-total") == str(expected) and expected > 5000
    discs = page.locator(".aggregate.division")
    counts = discs.evaluate_all("ds => ds.map(d => Number(d.dataset.count))")
    assert sum(counts) == expected and len(counts) == 18  # the generator's 18 divisions
    deir = page.locator(".aggregate.division[data-code='SY-DY']")
    label = deir.get_attribute("aria-label")
    assert label.startswith("Deir ez-Zor (SY-DY): ") and "Battles" in label and "Pick to filter" in label
    sizes = discs.evaluate_all("ds => ds.map(d => [Number(d.dataset.count), d.offsetWidth])")
    assert sorted(sizes) == sorted(sizes, key=lambda pair: (pair[1], pair[0]))  # more: larger
    old = page.locator("#total").inner_text()
    deir.dispatch_event("click")  # picking one filters everything to it
    page.wait_for_function("() => new URL(location.href).searchParams.get('admin1') === 'SY-DY'")
    page.wait_for_function("old => document.getElementById('total').textContent !== old", arg=old)
    page.wait_for_selector("#geomap[data-state=ready]")
    in_view = matched(big_server, type="Battles,Protests", admin1="SY-DY",
                      bbox=dataset(page)["viewBbox"])
    assert int(dataset(page)["inView"]) == in_view > 0
    page.wait_for_function("() => document.querySelectorAll('.aggregate.division').length === 1")
    page.wait_for_function("() => document.getElementById('f-admin1-names').textContent"
                           " === 'Deir ez-Zor (SY-DY)'")


def test_a_division_typed_by_name_filters_the_map_the_table_the_chart_and_downloads(page, big_server):
    open_page(page, big_server, VIEW)
    page.locator("#more-filters summary").click()
    page.fill("#f-country", "Iraq")
    page.press("#f-country", "Tab")
    page.fill("#f-admin1", "Nineveh")  # the English name: the division is Ninawa, IQ-NI
    page.press("#f-admin1", "Tab")
    page.wait_for_function("() => document.getElementById('f-admin1').value === 'IQ-NI'")
    assert page.locator("#f-admin1-names").inner_text() == "Ninawa (IQ-NI)"
    options = page.locator("#admin1-list option").evaluate_all("os => os.map(o => o.value)")
    assert "Al Anbar (IQ-AN)" in options and len(options) == 18  # Iraq's governorates
    page.wait_for_function("() => new URL(location.href).searchParams.get('admin1') === 'IQ-NI'")
    page.wait_for_selector("#geomap[data-state=ready]")
    whole = matched(big_server, country="IQ", admin1="IQ-NI")
    assert whole == matched(big_server, admin1="Nineveh") > 1000  # the generator's spelling
    assert int(dataset(page)["inView"]) == matched(big_server, country="IQ", admin1="IQ-NI",
                                                   bbox=dataset(page)["viewBbox"])
    page.wait_for_function(f"() => document.getElementById('trends').dataset.total === '{whole}'")
    page.locator("#tab-table").click()
    page.wait_for_function("text => document.querySelector('.table-range').textContent === text",
                           arg=f"1–50 of {whole:,}")
    href = page.get_attribute("a[data-format=csv]", "href")
    assert "admin1=IQ-NI" in href and "country=IQ" in href
    with page.expect_download() as caught:  # ACLED's own columns, filtered as on screen
        page.locator("a[data-format=acled]").click()
    with open(caught.value.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert caught.value.suggested_filename == "incidents.acled.csv"
    assert tuple(rows[0]) == ACLED_HEADER and len(rows) == whole
    assert {row["admin1"] for row in rows} == {"Nineveh"} and {row["iso3"] for row in rows} == {"IRQ"}
    page.fill("#f-admin1", "Atlantis")
    page.press("#f-admin1", "Tab")
    page.wait_for_selector("#geomap[data-state=invalid]")
    error = page.locator("#f-admin1 + .field-error").inner_text()
    assert "“Atlantis” is not a first-level division of IQ" in error
    assert page.locator(".aggregate, .marker.layer-incidents, .cluster.layer-incidents").count() == 0


def test_a_division_spelt_otherwise_resolves_without_a_country_and_no_world_list(page, big_server):
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/gazetteer/divisions" in r.url else None)
    open_page(page, big_server, VIEW)
    page.locator("#more-filters summary").click()
    page.click("#f-admin1")
    page.fill("#f-admin1", "Deir Ezzor")  # neither the gazetteer's spelling nor the stored one
    page.press("#f-admin1", "Tab")
    page.wait_for_function("() => document.getElementById('f-admin1').value === 'SY-DY'")
    assert page.locator("#f-admin1-names").inner_text() == "Deir ez-Zor (SY-DY)"
    page.wait_for_function("() => new URL(location.href).searchParams.get('admin1') === 'SY-DY'")
    page.wait_for_selector("#geomap[data-state=ready]")
    whole = matched(big_server, admin1="SY-DY")
    stored = matched(big_server, admin1="Deir ez-Zor")  # the generator's spelling
    assert whole == matched(big_server, admin1="Deir Ezzor") == stored > 1000
    page.wait_for_function(f"() => document.getElementById('trends').dataset.total === '{whole}'")
    assert asked and all("q=" in url for url in asked), asked  # never the 3,319 of the world
    assert page.locator("#admin1-list option").count() <= 20


def test_the_permalink_page_lays_out_arabic_right_to_left(page, big_server, arabic_feature):
    page.goto(f"{big_server}/incidents/{arabic_feature['id']}")
    quote = page.locator(".ws-quote")
    assert quote.inner_text() == ARABIC_QUOTE
    direction = "e => getComputedStyle(e).direction"
    assert quote.evaluate(direction) == "rtl"
    assert page.locator(".ws-summary").evaluate(direction) == "ltr"  # written in English
    assert page.locator("td[data-property=location]").evaluate(direction) == "rtl"
    assert page.locator("td[data-property=event_date]").evaluate(direction) == "ltr"
    heading = page.locator("h1")
    assert heading.evaluate(direction) == "ltr" and heading.locator("bdi").inner_text() == ARABIC_PLACE
    # The place stays whole between the English around it: the date follows it, not inside it.
    assert heading.inner_text().endswith(f"{ARABIC_PLACE}, {NEWEST}")


def boxes_overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_offline_labels_on_a_phone_do_not_overlap_and_the_notice_is_off_the_map(browser, big_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.route("**/*.png", lambda route: route.abort())
    open_page(phone, big_server, "map=10/33.3152/44.3661")  # Baghdad and its suburbs
    phone.wait_for_selector(".map-notice")
    phone.wait_for_function("() => Number(document.getElementById('map').dataset.labels) > 0",
                            timeout=90_000)
    visible = phone.locator(".place-label:not(.label-hidden) span")
    boxes = [box for box in (label.bounding_box() for label in visible.all()) if box]
    names = visible.all_inner_texts()
    assert len(boxes) == int(phone.locator("#map").get_attribute("data-labels")) >= 5
    assert "Baghdad" in names and phone.locator(".place-label.label-hidden").count() > 0
    for i, one in enumerate(boxes):
        for other in boxes[i + 1:]:
            assert not boxes_overlap(one, other), (names, one, other)
    # The notice sits in the panel, beside the total, so that it hides no marker nor label
    # and takes none of the map's height; dismissed, it is gone and the map stays as it is.
    notice = phone.locator(".map-notice").bounding_box()
    map_box = phone.locator("#map").bounding_box()
    assert not boxes_overlap(notice, map_box) and notice["x"] + notice["width"] <= 390
    assert phone.locator(".panel-head .map-notice").is_visible()
    phone.get_by_role("button", name="Dismiss the notice about tiles").click()
    assert phone.locator(".map-notice").count() == 0
    assert phone.locator("#map").bounding_box() == map_box
    context.close()


def test_errors_are_not_swallowed(big_server):
    with pytest.raises(urllib.error.HTTPError) as caught:
        api(big_server, "/api/layers/incidents/aggregate", zoom="x")
    assert json.load(caught.value)["field"] == "zoom"
