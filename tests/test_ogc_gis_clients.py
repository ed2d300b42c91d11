"""GIS clients that failed on the OGC API before: Debian's GDAL 3.6 (ogr2ogr), the GDAL
that pyogrio bundles (geopandas.read_file), and OWSLib, each over a live server."""

from __future__ import annotations

import json
import sys
import threading
from datetime import date, timedelta

import pytest

from geomap.store import open_store
from tests.test_ogc_clients import (  # noqa: F401  (the live server and its features)
    DEIR_EZ_ZOR,
    expected_ids,
    features,
    require_tool,
    run,
    server,
)
from tests.web_support import numbered

# ruff: noqa: F811  (fixtures imported above are parameters below)


def test_ogr2ogr_where_on_event_date_sends_gdal_datetimes_and_gets_exactly_the_range(
        server, features, tmp_path):
    ogr2ogr = require_tool("ogr2ogr")
    pyogrio = pytest.importorskip("pyogrio")
    out = tmp_path / "winter.gpkg"
    run(ogr2ogr, "-f", "GPKG", str(out), f"OAPIF:{server}", "incidents",
        "-where", "event_date >= '2021-10-01' AND event_date <= '2022-03-31'")
    expected = expected_ids(features, "incidents", first="2021-10-01", last="2022-03-31")
    assert expected and set(pyogrio.read_dataframe(out)["id"]) == expected


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    """A live server over 3,000 incidents that counts the items requests it answers."""
    from werkzeug.serving import make_server

    from geomap.web import create_app

    folder = tmp_path_factory.mktemp("ogc-big")
    rows = numbered(3000)
    for number, feature in enumerate(rows):
        feature["properties"]["event_date"] = (date(2015, 1, 1) + timedelta(number)).isoformat()
    with open_store(folder / "geomap.sqlite") as store:
        assert store.add_many(rows).added == 3000
    app = create_app(db=folder / "geomap.sqlite", gazetteer_db=folder / "gazetteer.sqlite")
    counted = []

    @app.before_request
    def count_items_requests():
        from flask import request
        if request.path.endswith("/items"):
            counted.append(request.full_path)

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/ogc", counted
    httpd.shutdown()
    thread.join(5)
    app.extensions["geomap"].close()


def test_plain_ogr2ogr_copies_a_layer_in_pages_of_a_thousand(big_server, tmp_path):
    ogr2ogr = require_tool("ogr2ogr")
    pyogrio = pytest.importorskip("pyogrio")
    url, counted = big_server
    counted.clear()
    out = tmp_path / "all.gpkg"
    run(ogr2ogr, "-f", "GPKG", str(out), f"OAPIF:{url}", "incidents")  # no PAGE_SIZE option
    assert len(pyogrio.read_dataframe(out)) == 3000
    # GDAL 3.6 asks for 10 at first; the next links ask for 1,000: 3,000 in 4 or 5 requests
    # where 300 were needed before
    assert len(counted) <= 6, counted


def read_with_geopandas(url: str, **options) -> set[str]:
    """The ids geopandas reads through pyogrio's own GDAL, in a process of its own (pyogrio
    keeps the GIL while GDAL fetches, so it cannot read from a server in this process)."""
    script = ("import sys, json, geopandas, pyogrio\n"
              "assert pyogrio.__gdal_version__ >= (3, 9), pyogrio.__gdal_version__\n"
              "frame = geopandas.read_file(sys.argv[1], **json.loads(sys.argv[2]))\n"
              "print(json.dumps(sorted(frame['id'])))")
    return set(json.loads(run(sys.executable, "-c", script, url, json.dumps(options))))


def test_geopandas_reads_the_layer_through_pyogrios_own_gdal(server, features):
    pytest.importorskip("geopandas")
    url = f"OAPIF:{server}"
    assert read_with_geopandas(url, layer="incidents") == expected_ids(features, "incidents")
    winter = read_with_geopandas(url, layer="incidents",
                                 where="event_date >= '2021-10-01' AND event_date <= '2022-03-31'")
    assert winter == expected_ids(features, "incidents", first="2021-10-01", last="2022-03-31")


def test_gdal_asks_for_web_mercator_and_reads_metres(server, features):
    """pyogrio's GDAL with its CRS open option (GDAL >= 3.7) sends crs= and reads Content-Crs.

    (Asked for EPSG:4326, GDAL takes the CRS84 the server lists first, the same datum.)
    """
    import math

    pytest.importorskip("pyogrio")
    script = ("import sys, json, pyogrio\n"
              "frame = pyogrio.read_dataframe(sys.argv[1], layer='incidents', CRS='EPSG:3857')\n"
              "print(json.dumps([frame.crs.to_epsg(), [[i, p.x, p.y] for i, p in "
              "zip(frame['id'], frame.geometry)]]))")
    found_epsg, points = json.loads(run(sys.executable, "-c", script, f"OAPIF:{server}"))
    stored = {f["id"]: f["geometry"]["coordinates"] for f in features}
    assert found_epsg == 3857 and {i for i, _, _ in points} == expected_ids(features, "incidents")
    for feature_id, x, y in points:
        lon, lat = stored[feature_id]
        assert abs(x - 6378137 * math.radians(lon)) < 0.01
        assert abs(y - 6378137 * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))) < 0.01


def test_owslib_reads_epsg_4326_latitude_first_with_a_bbox_in_it(server, features):
    ogcapi = pytest.importorskip("owslib.ogcapi.features")
    api = ogcapi.Features(server)
    epsg_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
    assert epsg_4326 in api.collection("incidents")["crs"]
    answer = api.collection_items("incidents", crs=epsg_4326, bbox=[34.5, 40.0, 35.5, 41.0],
                                  **{"bbox-crs": epsg_4326}, limit=1000)
    expected = expected_ids(features, "incidents", DEIR_EZ_ZOR)
    assert expected and {f["id"] for f in answer["features"]} == expected
    stored = {f["id"]: f["geometry"]["coordinates"] for f in features}
    assert all(f["geometry"]["coordinates"] == stored[f["id"]][::-1] for f in answer["features"])
