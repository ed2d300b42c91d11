"""Hostile files of incidents: deep nesting, one huge feature, an endless line; each refused
naming the feature, in bounded memory, with what came before it stored."""

import io

import orjson
import pytest

from geomap.errors import SourceError
from geomap.query import IncidentQuery
from geomap.services.ingest import ingest_paths
from geomap.services.json_bounds import MAX_DEPTH, BoundedJSONFile
from geomap.services.readers import MAX_FEATURE_BYTES
from geomap.store import SQLiteStore
from tests.incident_samples import samples

EVERYTHING = IncidentQuery(layer=None, limit=None)


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "geomap.sqlite") as store:
        yield store


def ingest(store, path):
    return ingest_paths(store, [path]).files[0]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def collection_with(raw_property: bytes, at: int = 1) -> bytes:
    """The sample collection with a property ``x`` spliced in as raw JSON in feature ``at``."""
    features = [orjson.dumps(feature) for feature in samples().values()]
    features[at] = features[at][:-2] + b',"x":' + raw_property + b"}}"
    return b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]}"


def test_deep_nesting_in_a_property_is_refused_naming_the_feature(store, tmp_path):
    path = tmp_path / "nested.geojson"
    path.write_bytes(collection_with(nested(50_000), at=2))
    result = ingest(store, path)
    assert result.error == (f"features[2]: nested deeper than {MAX_DEPTH} levels; "
                            "nothing after it was read")
    assert result.added == 2  # the two features before it are stored whole
    assert store.count(EVERYTHING) == 2


def test_brackets_and_escaped_quotes_inside_strings_are_text(store, tmp_path):
    tricky = '[[[[ "quoted \\" [[[[ ]]" {{{{' * 20 + "\\\\"
    path = tmp_path / "tricky.geojson"
    path.write_bytes(collection_with(orjson.dumps(tricky), at=0))
    result = ingest(store, path)
    assert result.error is None and result.added == len(samples())
    assert any(f["properties"].get("x") == tricky for f in store.iter_features(EVERYTHING))


def test_nesting_is_checked_across_reads_of_any_size():
    doc = collection_with(nested(MAX_DEPTH), at=3)
    for size in (1, 7, 4096):
        guard = BoundedJSONFile(io.BytesIO(doc), 2, "features[{}]".format)
        with pytest.raises(SourceError, match=r"^features\[3\]: nested deeper"):
            while guard.read(size):
                pass


def test_a_bare_list_of_features_is_bounded_too(store, tmp_path):
    features = [orjson.dumps(feature) for feature in samples().values()]
    features[1] = features[1][:-2] + b',"x":' + nested(1000) + b"}}"
    path = tmp_path / "list.geojson"
    path.write_bytes(b"[" + b",".join(features) + b"]")
    assert ingest(store, path).error.startswith("features[1]: nested deeper")


def test_one_feature_larger_than_the_bound_is_refused_while_it_streams():
    big = orjson.dumps("Mosul " * 2000)  # 12 KB of text in one feature
    doc = collection_with(big, at=4)
    guard = BoundedJSONFile(io.BytesIO(doc), 2, "features[{}]".format, max_feature_bytes=8_000)
    with pytest.raises(SourceError, match=r"^features\[4\]: larger than 8,000 bytes"):
        while guard.read(1024):
            pass
    roomy = BoundedJSONFile(io.BytesIO(doc), 2, "features[{}]".format, max_feature_bytes=20_000)
    while roomy.read(1024):
        pass


def test_an_endless_geojsonseq_line_is_refused_and_the_next_lines_read(store, tmp_path):
    lines = [orjson.dumps(feature) for feature in samples().values()]
    path = tmp_path / "seq.geojsonl"
    with path.open("wb") as f:
        f.write(lines[0] + b"\n")
        f.write(b'{"type":"Feature","properties":{"summary":"' + b"x" * (MAX_FEATURE_BYTES + 10))
        f.write(b'"}}\n' + b"\n".join(lines[1:]) + b"\n")
    result = ingest(store, path)
    assert result.added == len(lines)
    assert [(r.where, r.message) for r in result.refused] == [
        ("line 2", f"longer than {MAX_FEATURE_BYTES:,} bytes (one feature's bound)")]


CSV_HEADER = "event_date,event_type,sub_event_type,country,location,latitude,longitude,notes\n"


def test_an_unterminated_quote_in_a_csv_refuses_the_rest_naming_its_line(store, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(CSV_HEADER
                    + "2024-01-15,Battles,Armed clash,IQ,Mosul,36.34,43.13,Clashes in the old city\n"
                    + '2024-01-16,Riots,Mob violence,IQ,"Kirkuk,35.47,44.39,A crowd stormed an office\n'
                    + "2024-01-17,Protests,Peaceful protest,IQ,Basra,30.51,47.78,Protest over power cuts\n",
                    encoding="utf-8")
    result = ingest(store, path)
    assert result.added == 1
    assert result.error == ("line 3: a quoted field is never closed, so the rest of the file "
                            "(lines 3-4) was refused")


def test_quoted_fields_over_several_lines_still_read(store, tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_text(CSV_HEADER
                    + '2024-01-15,Battles,Armed clash,IQ,Mosul,36.34,43.13,"Clashes, then\ncalm"\n'
                    + "2024-01-17,Protests,Peaceful protest,IQ,Basra,30.51,47.78,Protest\n",
                    encoding="utf-8")
    result = ingest(store, path)
    assert (result.added, result.error, result.refused) == (2, None, [])
