"""The offline basemap's labels: gazetteer places by zoom, large ones first."""

from geomap.services.basemap import LABEL_RULES, label_rule
from tests.web_support import assert_error

ERBIL_AT_13 = "43.93,36.19,44.06,36.27"
MIDDLE_EAST = "25,12,63,42"


def test_a_world_view_names_only_the_largest_cities(client):
    body = client.get(f"/api/gazetteer/labels?bbox={MIDDLE_EAST}&zoom=3").get_json()
    names = [place["name"] for place in body["places"]]
    assert {"Baghdad", "Cairo", "Tehran"} <= set(names) and len(names) <= label_rule(3).limit
    assert all(p["population"] >= 1_000_000 and p["feature"] in ("city", "town")
               for p in body["places"])
    populations = [p["population"] for p in body["places"]]
    assert populations == sorted(populations, reverse=True) and body["divisions"] == []


def test_a_close_view_names_villages_and_sites(client):
    body = client.get(f"/api/gazetteer/labels?bbox={ERBIL_AT_13}&zoom=13").get_json()
    found = {place["name"]: place["feature"] for place in body["places"]}
    assert found["Erbil"] == "city" and found["‘Aynkāwah"] == "village"
    assert found["Erbil International Airport"] == "airport"
    assert all(43.93 <= p["lon"] <= 44.06 and 36.19 <= p["lat"] <= 36.27 for p in body["places"])


def test_middle_zooms_add_the_first_level_divisions(client):
    body = client.get("/api/gazetteer/labels?bbox=38,32,46,38&zoom=6").get_json()
    divisions = {place["name"] for place in body["divisions"]}
    assert {"Deir ez-Zor", "Al Anbar"} & divisions, divisions
    assert all(p["population"] >= 50_000 for p in body["places"])


def test_rules_loosen_as_the_map_zooms_in():
    zooms = [rule.zoom for rule in LABEL_RULES]
    assert zooms == sorted(zooms, reverse=True) and zooms[-1] == 0
    populations = [label_rule(zoom).min_population for zoom in range(0, 15)]
    assert populations == sorted(populations, reverse=True)


def test_labels_need_a_bbox_and_a_zoom(client):
    assert_error(client.get("/api/gazetteer/labels?zoom=5"), 400, "bbox")
    assert_error(client.get(f"/api/gazetteer/labels?bbox={MIDDLE_EAST}"), 400, "zoom")
    assert_error(client.get("/api/gazetteer/labels?bbox=1,2,3&zoom=5"), 400, "bbox")
