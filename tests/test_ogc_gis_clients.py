"""GIS clients that failed on the OGC API before: Debian's GDAL 3.6 (ogr2ogr), the GDAL
that pyogrio bundles (geopandas.read_file), and OWSLib, each over a live server."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from geomap.store import open_store
from tests.test_ogc_clients import (  # noqa: F401  (the live server and its features)
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
