"""Review on the API: publish, reject, revert, history, merge with redirects, duplicates, import."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path

import pytest

from geomap.incident import parse_feature
from geomap.query import parse_query
from tests.incident_samples import sample, samples
from tests.web_support import ID, assert_error
from tests.workspace_support import add_users

DRAFT = ID["idlib_airstrike"]


@pytest.fixture
def app(make_app):
    return make_app(drafts_public=False)


@pytest.fixture
def headers(app):
    store = app.extensions["geomap"].store
    store.add_many(samples().values())
    return add_users(store)


def _second_report_of_the_baghdad_protest() -> dict:
    """The Tahrir Square protest as another outlet told it, a day later and 2 km away."""
    feature = sample("baghdad_protest")
    feature["geometry"]["coordinates"] = [44.4040, 33.3325]
    feature["properties"].update(
        event_date="2022-04-02", status="draft", location_mention="al-Tahrir",
        quote="Demonstrators filled al-Tahrir Square for a second day over the power cuts.",
        source={"title": "Baghdad protesters return", "publisher": "Other Outlet",
                "url": "https://other.example/baghdad-protest", "published": "2022-04-02",
                "document": "reports/other-baghdad.txt"})
    return parse_feature(feature)


def test_publish_records_the_editor_and_shows_to_everyone(client, headers):
    assert_error(client.get(f"/api/incidents/{DRAFT}"), 404)
    published = client.post(f"/api/incidents/{DRAFT}/publish", headers=headers["editor"])
    assert published.status_code == 200 and published.get_json()["properties"]["status"] == "published"
    assert client.get(f"/api/incidents/{DRAFT}").status_code == 200
    versions = client.get(f"/api/incidents/{DRAFT}/history").get_json()["versions"]
    assert [(v["action"], v["author"]) for v in versions] == [("create", None), ("publish", "editor")]
    assert versions[1]["changes"] == [{"field": "status", "before": "draft", "after": "published"}]
    assert versions[1]["at"].endswith("Z")


def test_reject_keeps_the_reason_and_a_revert_brings_it_back(client, headers):
    editor = headers["editor"]
    assert_error(client.post(f"/api/incidents/{DRAFT}/reject", json={}, headers=editor), 400, "reason")
    rejected = client.post(f"/api/incidents/{DRAFT}/reject",
                           json={"reason": "the water station strike is a duplicate of a wire story"},
                           headers=editor)
    assert rejected.status_code == 200
    assert_error(client.get(f"/api/incidents/{DRAFT}", headers=editor), 404)
    versions = client.get(f"/api/incidents/{DRAFT}/history", headers=editor).get_json()["versions"]
    assert versions[-1]["action"] == "reject" and versions[-1]["feature"] is None
    assert versions[-1]["reason"].startswith("the water station") and versions[-1]["author"] == "editor"
    restored = client.post(f"/api/incidents/{DRAFT}/revert", json={"version": 1}, headers=editor)
    assert restored.status_code == 200
    assert client.get(f"/api/incidents/{DRAFT}", headers=editor).status_code == 200
    versions = client.get(f"/api/incidents/{DRAFT}/history", headers=editor).get_json()["versions"]
    assert [v["action"] for v in versions] == ["create", "reject", "revert"]


def test_revert_undoes_an_edit_as_a_new_version(client, headers, store):
    analyst, editor = headers["analyst"], headers["editor"]
    before = store.get(DRAFT)
    client.patch(f"/api/incidents/{DRAFT}", headers=analyst,
                 json={"fatalities": 50, "admin1": None, "checked_by": "night shift"})
    edited = store.get(DRAFT)["properties"]
    assert (edited["fatalities"], edited["admin1"], edited["checked_by"]) == (50, None, "night shift")
    assert_error(client.post(f"/api/incidents/{DRAFT}/revert", json={"version": 9}, headers=editor),
                 400, "version")
    assert_error(client.post(f"/api/incidents/{DRAFT}/revert", json={"version": "1"},
                             headers=editor), 400, "version")
    reverted = client.post(f"/api/incidents/{DRAFT}/revert", json={"version": 1}, headers=editor)
    props = reverted.get_json()["properties"]
    assert {k: v for k, v in props.items() if k != "updated_at"} == {
        k: v for k, v in before["properties"].items() if k != "updated_at"}
    versions = client.get(f"/api/incidents/{DRAFT}/history", headers=editor).get_json()["versions"]
    assert [(v["version"], v["action"], v["author"]) for v in versions] == [
        (1, "create", None), (2, "update", "analyst"), (3, "revert", "editor")]
    assert {c["field"] for c in versions[2]["changes"]} == {"fatalities", "admin1", "checked_by"}


def test_merge_keeps_every_source_and_redirects_the_merged_away(client, headers, store):
    other = _second_report_of_the_baghdad_protest()
    store.add(other)
    survivor_id = ID["baghdad_protest"]
    merged = client.post("/api/incidents/merge", json={"ids": [survivor_id, other["id"]]},
                         headers=headers["editor"])
    assert merged.status_code == 200, merged.get_data(as_text=True)
    props = merged.get_json()["properties"]
    assert props["source"]["publisher"] == "Example Wire"  # the first source stays first
    assert [s["publisher"] for s in props["sources"]] == ["Example Wire", "Other Outlet"]
    assert props["sources"][1]["quote"].startswith("Demonstrators filled al-Tahrir")
    assert props["sources"][0]["quote"] == sample("baghdad_protest")["properties"]["quote"]

    api = client.get(f"/api/incidents/{other['id']}")
    assert api.status_code == 301 and api.headers["Location"].endswith(f"/api/incidents/{survivor_id}")
    page = client.get(f"/incidents/{other['id']}")
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/incidents/{survivor_id}")
    assert client.get(f"/incidents/{other['id']}", follow_redirects=True).status_code == 200
    history = client.get(f"/api/incidents/{other['id']}/history", headers=headers["editor"]).get_json()
    assert history["versions"][-1]["action"] == "merged"
    assert store.add_many([other], skip_deleted=True).added == 0  # a re-ingest does not bring it back


def test_merge_refuses_fewer_than_two_and_unknown_ids(client, headers):
    editor = headers["editor"]
    assert_error(client.post("/api/incidents/merge", json={"ids": [DRAFT]}, headers=editor), 400, "ids")
    assert_error(client.post("/api/incidents/merge", json={"ids": [DRAFT, "nope"]}, headers=editor), 404)
    assert client.get(f"/api/incidents/{DRAFT}", headers=editor).status_code == 200


def test_duplicates_are_proposed_by_day_distance_type_and_source(client, headers, store):
    near = _second_report_of_the_baghdad_protest()
    far = copy.deepcopy(near)
    far["geometry"]["coordinates"] = [44.52, 33.34]  # 12.6 km east
    too_late = copy.deepcopy(near)
    too_late["properties"]["event_date"] = "2022-04-03"
    same_source = copy.deepcopy(near)
    same_source["properties"]["source"] = sample("baghdad_protest")["properties"]["source"]
    other_type = copy.deepcopy(near)
    other_type["properties"].update(event_type="Battles", sub_event_type="Armed clash")
    riot = copy.deepcopy(near)
    riot["properties"].update(event_type="Riots", sub_event_type="Violent demonstration")
    kept = []
    for n, feature in enumerate((near, far, too_late, same_source, other_type, riot)):
        feature["properties"]["quote"] += f" (variant {n})"
        feature.pop("id"), feature["properties"].pop("id")
        kept.append(store.add(feature)["id"])
    found = client.get(f"/api/incidents/{ID['baghdad_protest']}/duplicates",
                       headers=headers["analyst"]).get_json()["duplicates"]
    assert {d["id"] for d in found} == {kept[0], kept[5]}
    assert all(d["distance_km"] <= 10 and d["days_apart"] <= 1 for d in found)
    assert_error(client.get(f"/api/incidents/{ID['baghdad_protest']}/duplicates"), 401)


def test_every_change_records_its_author(client, headers, store):
    new = sample("idlib_airstrike")
    new["properties"]["event_date"] = "2022-01-06"
    created = client.post("/api/incidents", json=new, headers=headers["analyst"]).get_json()
    client.patch(f"/api/incidents/{created['id']}", json={"fatalities": 7}, headers=headers["analyst"])
    client.post(f"/api/incidents/{created['id']}/publish", headers=headers["editor"])
    client.delete(f"/api/incidents/{created['id']}", headers=headers["admin"])
    versions = client.get(f"/api/incidents/{created['id']}/history",
                          headers=headers["editor"]).get_json()["versions"]
    assert [(v["action"], v["author"]) for v in versions] == [
        ("create", "analyst"), ("update", "analyst"), ("publish", "editor"), ("delete", "admin")]
    assert all(v["at"] for v in versions)


def test_the_permalink_page_shows_everything_escaped(client, headers, store):
    xss = '<img src=x onerror="alert(1)">'
    client.patch(f"/api/incidents/{DRAFT}", headers=headers["analyst"],
                 json={"summary": xss, "location_mention": xss})
    client.post(f"/api/incidents/{DRAFT}/publish", headers=headers["editor"])
    page = client.get(f"/incidents/{DRAFT}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert xss not in html and "&lt;img src=x onerror=" in html
    assert "Russian warplanes struck the Arshani water station" in html
    assert "publish by editor" in html and "Strikes on Idlib water station" in html
    assert client.get("/incidents/never-stored").status_code == 404
    assert client.get(f"/incidents/{ID['green_village']}").status_code == 404  # a draft


# --- import from the page -----------------------------------------------------------------

PASTED = """A roadside bomb struck a police patrol near Tuz Khurmatu on Monday morning, killing two
policemen and wounding three others, a local security official said.
"""


def test_a_pasted_report_lands_in_the_queue_as_drafts_by_its_importer(client, headers, store):
    response = client.post("/api/import", headers=headers["analyst"],
                           data={"text": PASTED, "title": "Bomb hits police near Tuz",
                                 "published": "2022-05-10"})
    body = response.get_json()
    assert response.status_code == 200 and body["added"] >= 1 and body["refused"] == 0, body
    assert body["lines"][-1].startswith(f"total: {body['added']} added")
    drafts = store.query(parse_query({"status": "draft", "q": "police"}))
    assert drafts and all(d["properties"]["event_date"] == "2022-05-09" for d in drafts)
    versions = client.get(f"/api/incidents/{drafts[0]['id']}/history",
                          headers=headers["analyst"]).get_json()["versions"]
    assert versions[0]["author"] == "analyst"
    assert_error(client.post("/api/import", headers=headers["viewer"], data={"text": PASTED}), 403)
    assert_error(client.post("/api/import", headers=headers["analyst"], data={"text": " "}), 400, "text")


def test_an_uploaded_file_gives_the_cli_summary_and_analysts_import_drafts(client, headers, store,
                                                                            tmp_path):
    from click.testing import CliRunner

    from geomap.cli import main

    csv = Path(__file__).parent / "fixtures" / "import" / "acled_iraq_syria.csv"
    drafts = store.count(parse_query({"status": "draft"}))
    page = client.post("/api/import", headers=headers["analyst"],
                       data={"file": (csv.open("rb"), csv.name)}).get_json()
    cli = CliRunner().invoke(main, ["--db", str(tmp_path / "cli.sqlite"), "ingest", str(csv)])
    assert page["lines"][-1] == cli.output.splitlines()[-1]
    assert (page["added"], page["skipped"], page["refused"]) == tuple(
        int(n) for n in re.findall(r"(\d+) (?:added|skipped|refused)", cli.output.splitlines()[-1]))
    assert page["added"] > 0 and store.count(parse_query({"status": "draft"})) == drafts + page["added"]
    assert_error(client.post("/api/import", headers=headers["analyst"],
                             data={"file": (io.BytesIO(b"x"), "notes.exe")}), 400, "file")


def test_an_analysts_geojson_upload_cannot_publish(client, headers, store):
    feature = sample("erbil_missiles")
    feature["properties"].update(event_date="2022-03-20", status="published")
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    body = client.post("/api/import", headers=headers["analyst"],
                       data={"file": (io.BytesIO(data), "erbil.geojson")}).get_json()
    assert body["added"] == 1
    [stored] = store.query(parse_query({"start": "2022-03-20", "end": "2022-03-20"}))
    assert stored["properties"]["status"] == "draft"


def test_an_analysts_corrected_place_is_learned_as_written(client, headers, store):
    fixed = {"geometry": {"type": "Point", "coordinates": [36.5781, 35.9294]},
             "properties": {"location": "Arshani water station", "geo_precision": 1}}
    response = client.patch(f"/api/incidents/{DRAFT}", json=fixed, headers=headers["analyst"])
    assert response.status_code == 200
    learned = [place for place in store.learned_places() if place.name == "Arshani water station"]
    assert learned and (learned[0].lon, learned[0].lat, learned[0].source) == (36.5781, 35.9294,
                                                                              "analyst")
    versions = client.get(f"/api/incidents/{DRAFT}/history", headers=headers["analyst"]).get_json()
    assert {c["field"] for c in versions["versions"][-1]["changes"]} >= {"geometry", "location"}
