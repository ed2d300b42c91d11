"""The analyst's workspace in a real Chromium (Playwright) against a live server.

One scenario, as an analyst and an editor would live it: log in, paste a report, review
its drafts (quotes highlighted), fix one place by search and another by dragging the
marker, type an HTML payload into every field, publish, merge a duplicate pair and follow
the merged-away permalink, revert an edit from history, then see, logged out, only what
was published.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path

import frontmatter
import pytest

from geomap.incident import parse_feature
from geomap.store import open_store
from tests.browser_support import unused_port, wait_for_markers
from tests.incident_samples import sample
from tests.workspace_support import PASSWORD, password_hash

pytestmark = pytest.mark.browser
XSS = '<img src=x onerror="window.__xss=1">'
REPORT = Path(__file__).parent / "fixtures" / "reports" / "02_turkish_drone_sinjar.md"
#: The editor's free-text fields, each typed full of the payload.
TEXT_FIELDS = ("actor1", "actor2", "location_mention", "admin1", "summary", "quote",
               "source-title", "source-publisher", "source-document")
#: Fields with a format, where the payload must come back as an error beside the field.
FORMATTED_FIELDS = ("country", "event_time", "gazetteer_id", "source-url")


def _duplicate_pair() -> list[dict]:
    """The Idlib water-station strike as two outlets told it (two drafts, 2.6 km apart)."""
    first = parse_feature(sample("idlib_airstrike"))
    second = copy.deepcopy(sample("idlib_airstrike"))
    second["geometry"]["coordinates"] = [36.6050, 35.9330]
    second["properties"].update(
        quote="Warplanes hit the Arshani pumping station near Idlib; five civilians died.",
        source={"title": "Water station bombed", "publisher": "Second Outlet",
                "url": "https://second.example/idlib", "document": "reports/second-idlib.txt"})
    return [first, parse_feature(second)]


@pytest.fixture(scope="module")
def workspace_server(tmp_path_factory, gazetteer_path):
    """The app over a store with two users, a duplicate pair of drafts and one published
    incident; drafts are hidden from the public (the default)."""
    from werkzeug.serving import make_server

    from geomap.web import create_app

    db = tmp_path_factory.mktemp("workspace-browser") / "incidents.sqlite"
    pair = _duplicate_pair()
    with open_store(db) as store:
        store.add_many([*pair, sample("mosul_ied")])
        for role in ("analyst", "editor"):
            store.add_user(role, role, password_hash())
    app = create_app(db=db, gazetteer_db=gazetteer_path, secret_key="workspace browser key",
                     tile_url=f"http://127.0.0.1:{unused_port()}/{{z}}/{{x}}/{{y}}.png")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "pair": [f["id"] for f in pair],
           "store": app.extensions["geomap"].store}
    server.shutdown()
    thread.join(5)
    app.extensions["geomap"].close()


def log_in(tab, url: str, name: str) -> None:
    """Log in through the form, landing in the workspace."""
    tab.goto(f"{url}/login?next=/workspace")
    tab.fill("#username", name)
    tab.fill("#password", PASSWORD)
    tab.click("#login-form button[type=submit]")
    tab.wait_for_selector("#workspace[data-state=ready]")


def item(tab, text: str):
    """The queue item whose text contains ``text``."""
    return tab.locator("#queue .ws-item", has_text=text)


def api(tab, url: str, path: str) -> dict:
    """GET an API path with the tab's session."""
    response = tab.request.get(f"{url}/api{path}")
    assert response.ok, response.text()
    return response.json()


def save(tab) -> None:
    tab.click("#editor-save")
    tab.wait_for_function("() => document.querySelector('#editor-status').textContent !== ''")


def paste_the_report(tab, url: str) -> None:
    report = frontmatter.loads(REPORT.read_text(encoding="utf-8"))
    tab.fill("#import-title", report["title"])
    tab.fill("#import-published", str(report["published"]))
    tab.fill("#import-body", report.content)
    tab.click("#import-text button[type=submit]")
    tab.wait_for_function("() => document.querySelector('#import-summary').textContent.includes('total:')",
                           timeout=120_000)
    assert "total: 2 added" in tab.inner_text("#import-summary")
    item(tab, "Turkish drone struck a car").wait_for()
    item(tab, "shelled the outskirts of Batifa").wait_for()


def fix_by_search(tab, url: str) -> str:
    batifa = item(tab, "shelled the outskirts of Batifa")
    batifa_id = batifa.get_attribute("data-id")
    batifa.get_by_role("button", name="Edit").click()
    tab.fill("#place-search", "Batifa")
    tab.click("#place-search-go")
    candidate = tab.locator("#place-candidates .ws-candidate", has_text="Batifa").first
    assert "name 'Batifa'" in candidate.inner_text()  # the candidate's why
    candidate.get_by_role("button").click()
    save(tab)
    assert tab.inner_text("#editor-status") == "Saved."
    fixed = api(tab, url, f"/incidents/{batifa_id}")
    assert fixed["properties"]["gazetteer_id"] == "geonames:97825"
    assert fixed["geometry"]["coordinates"] == pytest.approx([43.01233, 37.17454], abs=1e-4)
    return batifa_id


def fix_by_dragging(tab, url: str) -> str:
    sinjar = item(tab, "Turkish drone struck a car")
    sinjar_id = sinjar.get_attribute("data-id")
    before = api(tab, url, f"/incidents/{sinjar_id}")["geometry"]["coordinates"]
    sinjar.get_by_role("button", name="Edit").click()
    marker = tab.locator(".leaflet-marker-icon[alt='incident being edited']")
    marker.wait_for()
    tab.wait_for_function("(id) => document.querySelector('#editor-id').textContent === id", arg=sinjar_id)
    box, point = marker.bounding_box(), tab.inner_text("#editor-point")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x + 60, y + 30, steps=8)
    tab.mouse.up()
    tab.wait_for_function("(text) => document.querySelector('#editor-point').textContent !== text",
                          arg=point)
    save(tab)
    moved = api(tab, url, f"/incidents/{sinjar_id}")
    assert moved["geometry"]["coordinates"] != before
    assert moved["properties"]["geo_precision"] == 1 and moved["properties"]["gazetteer_id"] is None
    return sinjar_id


def type_the_payload_everywhere(tab, url: str, incident_id: str) -> None:
    for name in TEXT_FIELDS:
        tab.fill(f"#f-{name}", XSS)
    save(tab)
    assert tab.inner_text("#editor-status") == "Saved."
    stored = api(tab, url, f"/incidents/{incident_id}")["properties"]
    assert stored["summary"] == stored["actor1"] == stored["source"]["publisher"] == XSS
    for name in FORMATTED_FIELDS:
        kept = tab.input_value(f"#f-{name}")
        tab.fill(f"#f-{name}", XSS)
        save(tab)
        error = tab.locator(f"#f-{name}-error")
        assert error.inner_text(), name
        assert tab.get_attribute(f"#f-{name}", "aria-invalid") == "true"
        tab.fill(f"#f-{name}", kept)
    save(tab)
    item(tab, XSS).wait_for()  # the queue shows the payload as text
    assert tab.locator("img[src=x]").count() == 0
    assert tab.evaluate("() => window.__xss") is None


def publish(tab, text: str) -> None:
    item(tab, text).get_by_role("button", name="Publish").click()
    tab.wait_for_function("() => document.querySelector('#queue-status').textContent === 'Published.'")
    tab.evaluate("() => { document.querySelector('#queue-status').textContent = ''; }")


def merge_the_pair(tab, url: str, pair: list[str]) -> None:
    item(tab, "Russian warplanes struck the Arshani").get_by_role("button", name="Duplicates").click()
    proposal = tab.locator("#duplicates .ws-item", has_text="Second Outlet")
    proposal.get_by_role("button", name="Merge into this one").click()
    proposal.wait_for(state="detached")
    tab.goto(f"{url}/incidents/{pair[1]}")  # the merged-away permalink
    assert tab.url.endswith(f"/incidents/{pair[0]}")
    tab.wait_for_selector("#small-map[data-state=ready]")
    sources = tab.locator(".ws-sources > li").all_inner_texts()
    assert len(sources) == 2 and "Second Outlet" in sources[1]
    assert "Warplanes hit the Arshani pumping station" in sources[1]


def revert_the_place_fix(tab, url: str, incident_id: str, original: list[float]) -> None:
    tab.goto(f"{url}/incidents/{incident_id}")
    tab.click("#open-in-workspace")
    tab.wait_for_selector("#history .ws-version")
    versions = [" ".join(text.split()) for text in tab.locator("#history .ws-version").all_inner_texts()]
    assert any("update by analyst" in v for v in versions), versions
    assert any("publish by editor" in v for v in versions), versions
    tab.locator("#history .ws-version[data-version='1']").get_by_role("button").click()
    tab.wait_for_selector("#history .ws-version[data-version='4']")
    assert "revert by editor" in " ".join(tab.inner_text("#history .ws-version[data-version='4']").split())
    reverted = api(tab, url, f"/incidents/{incident_id}")
    assert reverted["geometry"]["coordinates"] == original


def test_the_analysts_workspace_from_report_to_published_map(page, workspace_server):
    url, pair = workspace_server["url"], workspace_server["pair"]
    log_in(page, url, "analyst")
    assert page.locator("#queue .ws-item").count() == 2  # the pair of drafts, nothing published
    paste_the_report(page, url)
    quote = item(page, "Turkish drone struck a car").locator(".ws-quote")
    assert quote.locator("mark.hl-place").first.inner_text() == "Sinjar"
    assert "Tuesday" in quote.locator("mark.hl-date").all_inner_texts()
    assert "drone" in quote.locator("mark.hl-type").all_inner_texts()
    assert item(page, "Batifa").get_by_role("button", name="Publish").count() == 0  # analysts can't
    batifa_id = fix_by_search(page, url)
    zakho = workspace_server["store"].history(batifa_id)[1]["feature"]["geometry"]["coordinates"]
    sinjar_id = fix_by_dragging(page, url)
    type_the_payload_everywhere(page, url, sinjar_id)

    page.click("#logout")
    log_in(page, url, "editor")
    publish(page, "shelled the outskirts of Batifa")
    publish(page, XSS)
    assert api(page, url, f"/incidents/{sinjar_id}")["properties"]["status"] == "published"
    merge_the_pair(page, url, pair)
    revert_the_place_fix(page, url, batifa_id, zakho)

    page.goto(f"{url}/workspace")
    page.click("#logout")
    page.goto(f"{url}/")
    page.wait_for_selector("#geomap[data-state=ready]")
    wait_for_markers(page, "incidents", 2)  # Sinjar and the published Mosul sample
    public = page.request.get(f"{url}/api/layers/incidents/features").json()
    assert {f["properties"]["status"] for f in public["features"]} == {"published"}
    assert {f["id"] for f in public["features"]} == {sinjar_id, parse_feature(sample("mosul_ied"))["id"]}
    assert page.request.get(f"{url}/incidents/{batifa_id}").status == 404  # a draft again
    permalink = page.goto(f"{url}/incidents/{sinjar_id}")
    assert permalink.status == 200 and XSS in page.inner_text("main")
    assert page.locator("img[src=x]").count() == 0 and page.evaluate("() => window.__xss") is None
