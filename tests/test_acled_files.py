"""ACLED files as they really come: every date style, both column sets, and the round trip
ingest → ``geomap export --format acled`` → the same cells under ACLED's own names."""

import csv
from decimal import Decimal

import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.services.acled import HEADER
from geomap.services.columns import read_date
from geomap.store import open_store
from tests.acled_samples import DATE_STYLES, EVENTS, NEW_COLUMNS, OLD_COLUMNS, write_acled


def run(*args):
    done = CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)
    return done


@pytest.mark.parametrize(("text", "day"), [
    ("2020-05-09", "2020-05-09"), ("09 May 2020", "2020-05-09"), ("9-May-20", "2020-05-09"),
    ("9 May 2020", "2020-05-09"), ("09-May-2020", "2020-05-09"), ("31-Dec-19", "2019-12-31")])
def test_every_acled_date_style_is_read(text, day):
    assert read_date(text) == day


def test_a_bad_date_is_refused_naming_the_styles():
    with pytest.raises(ValueError, match="7-Apr-22"):
        read_date("31-Feb-20")


@pytest.mark.parametrize("columns", [OLD_COLUMNS, NEW_COLUMNS], ids=["old set", "2023 set"])
@pytest.mark.parametrize("style", ["iso", "export", "spreadsheet", "plain"])
def test_acled_file_round_trips_through_export(tmp_path, style, columns):
    source = write_acled(tmp_path / f"acled-{style}.csv", style, columns)
    db, out = tmp_path / "store.sqlite", tmp_path / "export.csv"
    done = run("--db", db, "ingest", source)
    assert done.exit_code == 0, done.output
    assert "3 added" in done.output
    done = run("--db", db, "export", "--format", "acled", "-o", out)
    assert done.exit_code == 0, done.output
    written = list(csv.DictReader(out.open(encoding="utf-8")))
    assert tuple(written[0]) == HEADER
    original = {row["event_id_cnty"]: row for row in csv.DictReader(source.open(encoding="utf-8"))}
    assert set(original) == {row["event_id_cnty"] for row in written}
    for row in written:
        for column, value in original[row["event_id_cnty"]].items():
            assert same_cell(column, value, row[column]), (column, value, row[column])


def same_cell(column: str, given: str, written: str) -> bool:
    if column == "event_date":
        return read_date(given) == read_date(written)
    if column in ("latitude", "longitude"):
        return Decimal(given) == Decimal(written)
    return given == written


def test_every_acled_column_is_kept_on_the_incident(tmp_path):
    source = write_acled(tmp_path / "acled.csv", "spreadsheet", OLD_COLUMNS + ("disorder_type", "tags"))
    with open_store(tmp_path / "store.sqlite") as store:
        done = run("--db", tmp_path / "store.sqlite", "ingest", source)
        assert done.exit_code == 0, done.output
        p = store.get("SYR990001")["properties"]
    assert (p["event_date"], p["country"], p["location"], p["geo_precision"]) == (
        "2021-03-06", "SY", "Tell Quwayrat", 1)
    assert p["summary"].startswith("On 6 March 2021, unidentified gunmen")
    assert p["source"]["publisher"] == "Local Monitor"
    kept = {"data_id": "9900017", "iso": "760", "iso3": "SYR", "event_id_no_cnty": "990001",
            "year": "2021", "admin2": "Al Mayadin", "admin3": "Thiban", "inter1": "3",
            "interaction": "37", "source_scale": "Subnational", "timestamp": "1615400000",
            "region": "Middle East", "country_name": "Syria", "disorder_type": "Political violence"}
    assert {key: p.get(key) for key in kept} == kept


def test_incidents_from_elsewhere_fill_acled_columns(tmp_path, loaded):
    out = tmp_path / "export.csv"
    from geomap.query import IncidentQuery
    from geomap.services.export import export_to

    count = export_to(loaded, IncidentQuery(limit=None), "acled", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert count == len(rows) > 0
    for row in rows:
        assert row["event_id_cnty"] and row["event_type"] and row["latitude"]
        assert row["year"] == row["event_date"][:4]
        assert row["iso3"] and row["iso"].isdigit() and row["country"]


def test_date_styles_are_the_ones_acled_writes():
    assert {EVENTS[0]["date"].strftime(f) for f in DATE_STYLES.values()} == {
        "2021-03-06", "06 March 2021", "6-Mar-21", "6 March 2021"}


def test_the_maps_acled_download_is_filtered_and_round_trips(tmp_path, make_app):
    source = write_acled(tmp_path / "acled.csv", "export", NEW_COLUMNS)
    app = make_app()
    store = app.extensions["geomap"].store
    done = run("--db", store.path, "ingest", source)
    assert done.exit_code == 0 and "3 added" in done.output, done.output
    store.update("SYR990001", {"summary": '=HYPERLINK("http://x.example","click")'})
    client = app.test_client()
    response = client.get("/api/layers/incidents/features?download=1&format=acled&country=SY"
                          "&admin1=SY-DY")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="incidents.acled.csv"' in response.headers["Content-Disposition"]
    out = tmp_path / "downloaded.csv"
    out.write_bytes(response.get_data())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    matched = client.get("/api/layers/incidents/features?limit=1&country=SY&admin1=SY-DY")
    assert tuple(rows[0]) == HEADER and len(rows) == matched.get_json()["numberMatched"] >= 2
    (guarded,) = [row for row in rows if row["event_id_cnty"] == "SYR990001"]
    assert guarded["notes"] == '\'=HYPERLINK("http://x.example","click")'  # shown, never run
    again = tmp_path / "again.sqlite"
    done = run("--db", again, "ingest", out)
    assert done.exit_code == 0 and f"{len(rows)} added" in done.output, done.output
    with open_store(again) as copy:
        assert copy.get("SYR990001")["properties"]["summary"].startswith("=HYPERLINK")
