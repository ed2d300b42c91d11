"""The OGC API read by clients no one here wrote, over a live server on a free port.

OWSLib, GDAL's OAPIF driver (ogrinfo, ogr2ogr) and schemathesis each talk to the real
app through HTTP. A test whose client is not installed is skipped, saying which.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit
from urllib.request import urlopen

import pytest

from geomap.incident import parse_feature
from geomap.store import open_store
from tests.incident_samples import samples

#: (minlon, minlat, maxlon, maxlat) around Deir ez-Zor governorate: its share of the incidents.
DEIR_EZ_ZOR = (40.0, 34.5, 41.0, 35.5)
COLLECTIONS = {"incidents": 40, "monitoring": 10}


def incidents() -> list[dict]:
    """50 parsed incidents: the samples moved in time and a little in space, in two layers."""
    found, originals = [], list(samples().values())
    for number in range(50):
        feature = originals[number % len(originals)]
        feature = {**feature, "properties": dict(feature["properties"])}
        properties = feature["properties"]
        day = date.fromisoformat(properties["event_date"]) - timedelta(days=7 * number)
        lon, lat = feature["geometry"]["coordinates"]
        feature["geometry"] = {"type": "Point", "coordinates": [round(lon + (number % 5) * 0.03, 4),
                                                                round(lat + (number % 3) * 0.03, 4)]}
        properties.update(event_date=day.isoformat(), summary=f"{properties['summary']} ({number})",
                          layer="monitoring" if number % 5 == 0 else "incidents")
        found.append(parse_feature(feature))
    return found


def expected_ids(features: list[dict], layer: str, bbox=None, first=None, last=None) -> set[str]:
    """The ids a correct server answers, worked out here from the features themselves."""
    def matches(feature: dict) -> bool:
        lon, lat = feature["geometry"]["coordinates"]
        day = feature["properties"]["event_date"]
        return (feature["properties"]["layer"] == layer
                and (bbox is None or (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]))
                and (first is None or day >= first) and (last is None or day <= last))
    return {feature["id"] for feature in features if matches(feature)}


@pytest.fixture(scope="module")
def features() -> list[dict]:
    found = incidents()
    assert {layer: sum(f["properties"]["layer"] == layer for f in found)
            for layer in COLLECTIONS} == COLLECTIONS
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory, features):
    """The app on 127.0.0.1 and a free port, in a thread; yields the OGC API's root URL."""
    from werkzeug.serving import make_server

    from geomap.web import create_app

    folder = tmp_path_factory.mktemp("ogc-clients")
    with open_store(folder / "geomap.sqlite") as store:
        assert store.add_many(features).added == len(features)
    app = create_app(db=folder / "geomap.sqlite", gazetteer_db=folder / "gazetteer.sqlite",
                     drafts_public=True, secret_key="ogc clients test key")  # drafts too
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/ogc"
    httpd.shutdown()
    thread.join(5)
    app.extensions["geomap"].close()


def run(*command: str, timeout: int = 300) -> str:
    """Run a client; its output, or a failure that shows what it said."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install gdal-bin)")
    return path


# --- OWSLib -----------------------------------------------------------------------------

@pytest.fixture
def owslib_features(server):
    features = pytest.importorskip("owslib.ogcapi.features", reason="OWSLib is not installed")
    return features.Features(server)


def test_owslib_lists_the_collections(owslib_features):
    assert sorted(owslib_features.feature_collections()) == sorted(COLLECTIONS)
    assert owslib_features.collection("monitoring")["itemType"] == "feature"
    assert "/collections/{collectionId}/items" in owslib_features.api()["paths"]
    conformance = owslib_features.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance


def test_owslib_reads_items_by_bbox_and_datetime(owslib_features, features):
    answer = owslib_features.collection_items("incidents", bbox=list(DEIR_EZ_ZOR),
                                              datetime_="2021-10-01/..", limit=1000)
    expected = expected_ids(features, "incidents", DEIR_EZ_ZOR, first="2021-10-01")
    assert expected and {feature["id"] for feature in answer["features"]} == expected
    assert answer["numberMatched"] == answer["numberReturned"] == len(expected)


def test_owslib_follows_paging_to_the_end(owslib_features, features):
    seen, params = [], {"limit": 7}
    while params is not None:
        page = owslib_features.collection_items("incidents", **params)
        seen += [feature["id"] for feature in page["features"]]
        following = [link for link in page["links"] if link["rel"] == "next"]
        params = dict(parse_qsl(urlsplit(following[0]["href"]).query)) if following else None
    assert len(seen) == len(set(seen)) == COLLECTIONS["incidents"]
    assert set(seen) == expected_ids(features, "incidents")


# --- GDAL -------------------------------------------------------------------------------

def test_ogrinfo_lists_the_layers_with_their_feature_counts(server):
    ogrinfo = require_tool("ogrinfo")
    listing = run(ogrinfo, "-ro", "-so", f"OAPIF:{server}")
    assert re.findall(r"^\d+: (\w+)", listing, re.MULTILINE) == list(COLLECTIONS)
    summary = run(ogrinfo, "-ro", "-so", "-al", f"OAPIF:{server}")
    counts = re.findall(r"^Layer name: (\w+)$.*?^Feature Count: (\d+)$", summary,
                        re.MULTILINE | re.DOTALL)
    assert {name: int(count) for name, count in counts} == COLLECTIONS


def test_ogr2ogr_copies_exactly_the_features_of_a_bbox(server, features, tmp_path):
    ogr2ogr = require_tool("ogr2ogr")
    pyogrio = pytest.importorskip("pyogrio", reason="pyogrio is not installed")
    out = tmp_path / "deir-ez-zor.gpkg"
    run(ogr2ogr, "-f", "GPKG", str(out), f"OAPIF:{server}", "incidents",
        "-spat", *(str(value) for value in DEIR_EZ_ZOR))
    frame = pyogrio.read_dataframe(out)
    expected = expected_ids(features, "incidents", DEIR_EZ_ZOR)
    assert expected and len(frame) == len(expected) and set(frame["id"]) == expected
    assert set(frame["event_type"]) <= {f["properties"]["event_type"] for f in features}


# --- schemathesis -----------------------------------------------------------------------

def test_schemathesis_finds_no_server_error_and_no_response_off_the_schema(server, tmp_path):
    pytest.importorskip("schemathesis", reason="schemathesis is not installed")
    checks = "not_a_server_error,response_schema_conformance,content_type_conformance," \
             "status_code_conformance"
    document = tmp_path / "openapi.json"  # from a file, so that /api is tested as well
    document.write_bytes(urlopen(f"{server}/api").read())
    output = run(sys.executable, "-m", "schemathesis.cli", "run", str(document),
                 "--url", server, "--checks", checks, "--max-examples", "30", "--mode", "all",
                 "--seed", "20220407", "--generation-database", "none", "--no-color",
                 "--workers", "1", "--report-dir", str(tmp_path), timeout=540)
    assert "No issues found" in output, output
    operations = re.search(r"Tested: (\d+)", output)
    assert operations and int(operations[1]) == 8, output
