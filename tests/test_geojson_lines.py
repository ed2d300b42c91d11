"""A FeatureCollection read a line at a time gives exactly what streaming it with ijson gives:
the same features, named alike, and for a broken file the same error after the same features."""

from pathlib import Path

import orjson
import pytest

from geomap.errors import SourceError
from geomap.services.geojson_lines import LineReading, iter_line_features
from geomap.services.incidents import collection_bytes
from geomap.services.readers import iter_geojson, iter_geojson_streamed
from tests.incident_samples import samples

FEATURES = list(samples().values())
LINES = [orjson.dumps(feature) for feature in FEATURES]
GDAL_HEAD = (b'{\n"type": "FeatureCollection",\n"name": "incidents",\n"crs": { "type": "name", '
             b'"properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },\n"features": [\n')


def outcome(reader, path: Path) -> tuple[list, str | None]:
    items = []
    try:
        for item in reader(path):
            items.append(item)
    except SourceError as error:
        return items, str(error)
    return items, None


def line_reading(path: Path) -> LineReading:
    reading = LineReading()
    with path.open("rb") as f:
        f.seek(3 if f.read(3) == b"\xef\xbb\xbf" else 0)
        for _ in iter_line_features(f, reading, lambda position: None):
            pass
    return reading


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "incidents.geojson"
    path.write_bytes(data)
    return path


def gdal_style(lines: list[bytes], tail: bytes = b"\n]\n}\n") -> bytes:
    return GDAL_HEAD + b",\n".join(lines) + tail


@pytest.mark.parametrize("data", [
    pytest.param(collection_bytes(LINES, {"numberMatched": 6}), id="geomap-export"),
    pytest.param(gdal_style(LINES), id="gdal"),
    pytest.param(gdal_style(LINES, b'\n], "bbox": [35.9, 33.3, 44.4, 36.4]}\n'), id="bbox-after"),
    pytest.param(b"\xef\xbb\xbf" + gdal_style(LINES).replace(b"\n", b"\r\n"), id="bom-crlf"),
])
def test_files_of_one_feature_a_line_are_read_by_lines(tmp_path, data):
    path = written(tmp_path, data)
    assert line_reading(path) == LineReading(count=len(FEATURES), done=True)
    assert outcome(iter_geojson, path) == outcome(iter_geojson_streamed, path)
    assert [where for where, _ in iter_geojson(path)] == [f"features[{n}]" for n in range(6)]
    assert [feature for _, feature in iter_geojson(path)] == FEATURES


def deep_feature() -> bytes:
    feature = dict(FEATURES[0], properties={"nested": []})
    text = orjson.dumps(feature)
    return text.replace(b'"nested":[]', b'"nested":' + b"[" * 40 + b"]" * 40)


@pytest.mark.parametrize(("data", "taken"), [
    pytest.param(orjson.dumps({"type": "FeatureCollection", "features": FEATURES},
                              option=orjson.OPT_INDENT_2), 0, id="pretty-printed"),
    pytest.param(gdal_style([*LINES[:2], LINES[2] + b", " + LINES[3], *LINES[4:]]), 2,
                 id="two-on-one-line"),
    pytest.param(gdal_style([*LINES[:3], LINES[3] + b"\n" + LINES[4], LINES[5]]), 4,
                 id="missing-comma"),
    pytest.param(gdal_style(LINES, b",\n]\n}\n"), 6, id="comma-after-the-last"),
    pytest.param(gdal_style([*LINES[:2], deep_feature(), *LINES[2:]]), 2, id="too-deep"),
    pytest.param(gdal_style(LINES, b"\n]\n}\n{}"), 6, id="garbage-after-the-end"),
    pytest.param(b'{"type": "FeatureCollection", "features": {\n' + LINES[0] + b"\n}}", 0,
                 id="features-not-a-list"),
])
def test_other_files_are_streamed_from_where_the_lines_stop(tmp_path, data, taken):
    path = written(tmp_path, data)
    reading = line_reading(path)
    assert (reading.count, reading.done) == (taken, False)
    assert outcome(iter_geojson, path) == outcome(iter_geojson_streamed, path)


def test_a_broken_file_fails_alike_after_the_same_features(tmp_path):
    path = written(tmp_path, gdal_style([*LINES[:3], LINES[3] + b"\n" + LINES[4], LINES[5]]))
    items, error = outcome(iter_geojson, path)
    assert len(items) == 4 and error.startswith("not valid JSON (before byte")


def test_an_integer_beyond_64_bits_is_a_number_not_the_end_of_the_file(tmp_path):
    big = LINES[1].replace(b'"fatalities":', b'"reference":' + b"9" * 30 + b',"fatalities":')
    path = written(tmp_path, gdal_style([LINES[0], big, *LINES[2:]]))
    items, error = outcome(iter_geojson, path)
    assert error is None and len(items) == 6 and items[1][1]["properties"]["reference"] == 1e30
    assert "integer overflow" in outcome(iter_geojson_streamed, path)[1]  # ijson stops there
