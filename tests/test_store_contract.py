"""The store contract: what every IncidentStore backend does, through its public interface.

No SQL and no connections here: each test runs once per backend of ``store_factory``
(tests/conftest.py), so a new backend is correct when this file passes on it. What the
filters mean, stated once for every backend:

- ``bbox`` keeps features whose geometry's bounding box meets the box, edges included
  (a line or polygon by its bounding box, not its exact shape).
- ``start``/``end``: ``event_date`` on or after / on or before, both inclusive.
- ``event_types``, ``sub_event_types``, ``countries``, ``statuses``: any of the values
  given; a feature without a country never matches a country filter.
- ``actor``: the text, case-insensitive (ASCII), anywhere in ``actor1`` or ``actor2``;
  ``%`` and ``_`` are plain characters. ``actor_variants`` (other spellings, filled in by
  the read service from the actor table) match the same way: any of them will do.
- ``text``: every word of it must begin a word of ``summary``, ``quote``, ``location``,
  ``location_mention``, ``actor1`` or ``actor2`` (in any of them, any order), ignoring
  case and diacritics, without stemming; query syntax (OR, -, *, quotes) is plain text;
  a hyphenated word matches its parts in sequence.
- ``admin1``: ``admin1`` is one of the names given, exactly as stored; a feature without
  one never matches.
- ``min_fatalities``: fatalities known and at least that; ``precision``: ``geo_precision``
  at most that (as precise or more).
- ``layer``: that layer only; None reads every layer. Filters combine with AND.
- Order: ``event_date`` newest first, ties by id ascending; ``event_date_asc`` the exact
  reverse; ``fatalities`` most first, unknown last, ties newest first then by id; ``id``
  ascending; ``event_type`` and ``location`` by that text, unknown last, ties newest first
  then by id. Ids and texts compare by code point (``Z`` before ``a``, ``-`` before ``.``), never by
  a locale's collation.
- ``limit``/``offset`` cut one page out of that order; ``count`` ignores them.
- ``aggregate(query, zoom)``: every match counted once, in the square cell of
  ``cell_size(zoom, bbox)`` degrees (numbered from -180, -90) that holds the centre of its
  bounding box, by event type; each cell's ``lon``/``lat`` is its matches' mean centre;
  the counts sum to ``numberMatched`` == ``count(query)``.
- ``admin1_counts(query)``: every match counted once under its (country, admin1), either
  None when unknown, by event type, at its matches' mean centre; the counts sum to
  ``numberMatched`` == ``count(query)``.
- ``actors(layer, text, limit)``: the names in ``actor1``/``actor2`` holding ``text`` (any
  case, ``%`` and ``_`` plain), each with how many incidents name it, most first, ties by name.
- ``histogram(query, interval)``: every match counted once in the day, the week (from
  Monday) or the month of its ``event_date``, with its fatalities (unknown as 0), by event
  type; every bucket from the first to the last is there, empty ones with 0.
"""

from __future__ import annotations

import random
import re
import threading
from datetime import date

import orjson
import pytest

from geomap.aggregate import cell_size
from geomap.errors import ConflictError, NotFoundError, ValidationError
from geomap.incident import geometry_bbox, parse_feature
from geomap.query import Condition, IncidentQuery
from geomap.store import IncidentStore
from tests.incident_samples import sample, samples

EVERYTHING = IncidentQuery(layer=None, limit=None)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def incident(incident_id: str, event_date: str, geometry: object, kind: str, sub: str,
             **properties) -> dict:
    """A raw incident Feature; a (lon, lat) pair as ``geometry`` is a Point."""
    if isinstance(geometry, tuple):
        geometry = {"type": "Point", "coordinates": list(geometry)}
    return {"type": "Feature", "id": incident_id, "geometry": geometry,
            "properties": {"event_date": event_date, "event_type": kind,
                           "sub_event_type": sub, **properties}}


IED = ("Explosions/Remote violence", "Remote explosive/landmine/IED")
CLASH = ("Battles", "Armed clash")
#: Written for these tests: one case of each rule, ids chosen so that code-point order
#: and a locale's order differ.
CASES = [
    incident("kirkuk-01", "2023-03-10", (44.392, 35.468), *IED, country="IQ", admin1="Kirkuk",
             actor1="Islamic State (Iraq)", actor2="Civilians (Iraq)", fatalities=3,
             geo_precision=1, status="published", location="Kirkuk", location_mention="Kirkuk",
             summary="A roadside bomb struck a minibus on the Kirkuk to Hawija road.",
             quote="The device exploded as the minibus passed the Rashad junction."),
    incident("Kirkuk-02", "2023-03-10", (44.35, 35.0), *CLASH, country="IQ", admin1="Kirkuk",
             actor1="Military Forces of Iraq (2020-)", actor2="Islamic State (Iraq)",
             geo_precision=2, location="Daquq", location_mention="near Daquq",
             summary="Security forces clashed with militants in the Wadi al-Shay valley."),
    incident("kirkuk.01", "2023-03-10", (44.40, 35.47), *CLASH, country="IQ",
             actor1="Military Forces of Iraq (2020-)", fatalities=1, geo_precision=1,
             summary="A soldier was killed at a checkpoint in Kirkuk city."),
    incident("kirkuk01", "2023-03-10", (44.38, 35.46), *IED, country="IQ", fatalities=0,
             geo_precision=2, summary="A second device was defused near the junction."),
    incident("mosul-17", "2023-01-15", (43.13, 36.34), "Violence against civilians",
             "Abduction/forced disappearance", country="IQ", fatalities=0, geo_precision=2,
             actor1="Unidentified Armed Group (Iraq)", actor2="Civilians (Iraq)",
             summary="Gunmen abducted a shopkeeper in the old city of Mosul."),
    incident("raqqa-05", "2022-11-02", (39.01, 35.95), "Explosions/Remote violence",
             "Air/drone strike", country="SY", fatalities=12, geo_precision=1,
             status="published", actor1="Military Forces of Turkey (2016-)",
             actor2="SDF: Syrian Democratic Forces", location="Ar-Raqqa", location_mention="Raqqa",
             summary="A drone strike hit a checkpoint on the outskirts of Raqqa.",
             quote="Twelve fighters were killed when a drone struck the post at dawn."),
    incident("qamishli-09", "2022-11-02", (41.22, 37.05), "Protests", "Peaceful protest",
             country="SY", admin1="Al-Hasakah", geo_precision=3, actor1="Protesters (Syria)",
             location="Qamishli", location_mention="Qāmishlī",
             summary="Residents of Qāmishlī protested against power cuts.",
             source={"title": "Outages drive anger in the north-east", "publisher": "Example"}),
    incident("route-euphrates", "2022-06-20",
             {"type": "LineString", "coordinates": [[40.0, 34.4], [41.0, 35.0]]},
             "Strategic developments", "Non-violent transfer of territory", country="SY",
             geo_precision=3, actor1="SDF: Syrian Democratic Forces",
             summary="Control of the river road between Mayadin and Al-Bukamal changed hands."),
    incident("area-sinjar", "2021-08-03",
             {"type": "Polygon", "coordinates": [[[41.6, 36.2], [42.0, 36.2], [42.0, 36.45],
                                                  [41.6, 36.45], [41.6, 36.2]]]},
             "Battles", "Government regains territory", country="IQ", fatalities=1,
             geo_precision=3, actor1="Military Forces of Iraq (2020-)",
             summary="The army took back the villages around Sinjar."),
    incident("no-country", "2023-02-01", (49.5, 28.5), "Strategic developments", "Other",
             geo_precision=2, actor1="Military Forces of Iran (1989-) Islamic Revolutionary "
             "Guard Corps Navy", summary="A tanker was seized in the Gulf."),
    incident("archive-0001", "2019-05-05", (47.78, 30.51), "Riots", "Mob violence",
             layer="archive", country="IQ", fatalities=2, actor1="Rioters (Iraq)",
             status="published", summary="A crowd stormed the provincial council in Basra."),
]
#: The default layer's cases, newest first, ties by id in code-point order.
NEWEST_FIRST = ["Kirkuk-02", "kirkuk-01", "kirkuk.01", "kirkuk01", "no-country", "mosul-17",
                "qamishli-09", "raqqa-05", "route-euphrates", "area-sinjar"]


@pytest.fixture
def empty_store(store_factory):
    """A fresh, empty store of each backend."""
    return store_factory()


@pytest.fixture
def case_store(empty_store):
    """A store of each backend holding CASES."""
    result = empty_store.add_many(CASES)
    assert (result.added, result.skipped, result.refused) == (len(CASES), 0, [])
    return empty_store


@pytest.fixture
def sample_store(empty_store):
    """A store of each backend holding the six sample incidents (tests/incident_samples.py)."""
    assert empty_store.add_many(samples().values()).added == len(samples())
    return empty_store


SAMPLE_NAMES = {parse_feature(raw)["id"]: name for name, raw in samples().items()}
SAMPLE_IDS = sorted(SAMPLE_NAMES.values())


def ids(features) -> list[str]:
    return [feature["id"] for feature in features]


def matching(store, **filters) -> list[str]:
    """The ids a query finds, in its order, after checking count agrees."""
    query = IncidentQuery(limit=None, **filters)
    found = ids(store.query(query))
    assert store.count(query) == len(found)
    return found


# --- what each filter means ----------------------------------------------------------------

@pytest.mark.parametrize("filters, expected", [
    ({"bbox": (44.3, 35.4, 44.5, 35.5)}, ["kirkuk-01", "kirkuk.01", "kirkuk01"]),
    ({"bbox": (44.392, 35.468, 44.392, 35.468)}, ["kirkuk-01"]),  # a point on all four edges
    ({"bbox": (44.3921, 35.4681, 44.395, 35.4695)}, []),  # just beside it
    ({"bbox": (40.8, 34.4, 41.0, 34.5)}, ["route-euphrates"]),  # the line's box, not the line
    ({"bbox": (41.9, 36.0, 43.0, 36.2)}, ["area-sinjar"]),  # touching the polygon's edge
    ({"bbox": (-180, -90, 180, 90)}, NEWEST_FIRST),
    ({"start": date(2023, 1, 15), "end": date(2023, 3, 10)},
     ["Kirkuk-02", "kirkuk-01", "kirkuk.01", "kirkuk01", "no-country", "mosul-17"]),
    ({"start": date(2023, 3, 10)}, ["Kirkuk-02", "kirkuk-01", "kirkuk.01", "kirkuk01"]),
    ({"end": date(2021, 8, 3)}, ["area-sinjar"]),
    ({"event_types": ["Battles"]}, ["Kirkuk-02", "kirkuk.01", "area-sinjar"]),
    ({"event_types": ["Battles", "Protests"]},
     ["Kirkuk-02", "kirkuk.01", "qamishli-09", "area-sinjar"]),
    ({"sub_event_types": ["Remote explosive/landmine/IED", "Air/drone strike"]},
     ["kirkuk-01", "kirkuk01", "raqqa-05"]),
    ({"event_types": ["Battles"], "sub_event_types": ["Air/drone strike"]}, []),
    ({"countries": ["SY"]}, ["qamishli-09", "raqqa-05", "route-euphrates"]),
    ({"countries": ["SY", "IQ"]}, [i for i in NEWEST_FIRST if i != "no-country"]),
    ({"admin1": ["Kirkuk"]}, ["Kirkuk-02", "kirkuk-01"]),
    ({"admin1": ["Kirkuk", "Al-Hasakah"]}, ["Kirkuk-02", "kirkuk-01", "qamishli-09"]),
    ({"admin1": ["kirkuk"]}, []),  # the name as stored, case included
    ({"admin1": ["Kirkuk"], "countries": ["SY"]}, []),
    ({"admin1": ["Kirkuk"], "event_types": ["Battles"], "bbox": (44, 34.9, 45, 35.1)},
     ["Kirkuk-02"]),
    ({"statuses": ["published"]}, ["kirkuk-01", "raqqa-05"]),
    ({"statuses": ["draft", "published"]}, NEWEST_FIRST),
    ({"min_fatalities": 0}, ["kirkuk-01", "kirkuk.01", "kirkuk01", "mosul-17", "raqqa-05",
                             "area-sinjar"]),  # unknown fatalities never match
    ({"min_fatalities": 3}, ["kirkuk-01", "raqqa-05"]),
    ({"precision": 1}, ["kirkuk-01", "kirkuk.01", "raqqa-05"]),
    ({"precision": 2}, ["Kirkuk-02", "kirkuk-01", "kirkuk.01", "kirkuk01", "no-country",
                        "mosul-17", "raqqa-05"]),
    ({"layer": "archive"}, ["archive-0001"]),
    ({"layer": "nowhere"}, []),
    ({"countries": ["IQ"], "event_types": ["Battles"], "start": date(2022, 1, 1),
      "bbox": (44, 35, 45, 36)}, ["Kirkuk-02", "kirkuk.01"]),
])
def test_filters(case_store, filters, expected):
    assert matching(case_store, **filters) == expected


@pytest.mark.parametrize("actor, expected", [
    ("islamic state", ["Kirkuk-02", "kirkuk-01"]),  # actor1 or actor2
    ("CIVILIANS (IRAQ)", ["kirkuk-01", "mosul-17"]),
    ("forces of iraq (2020-)", ["Kirkuk-02", "kirkuk.01", "area-sinjar"]),
    ("syrian democratic", ["raqqa-05", "route-euphrates"]),
    ("guard corps", ["no-country"]),
    ("Cor_s", []),  # _ is a plain character
    ("100%", []),  # and so is %
    ("iraq) civ", []),  # within one field, not across them
])
def test_actor_is_a_substring_of_either_actor(case_store, actor, expected):
    assert matching(case_store, actor=actor) == expected


def test_actor_variants_match_like_the_actor(case_store):
    assert matching(case_store, actor="isil", actor_variants=("islamic state",)) == ["Kirkuk-02", "kirkuk-01"]
    assert matching(case_store, actor="isil", actor_variants=("guard corps", "syrian democratic")) == [
        "no-country", "raqqa-05", "route-euphrates"]


@pytest.mark.parametrize("text, expected", [
    ("roadside", ["kirkuk-01"]),  # summary
    ("Rashad", ["kirkuk-01"]),  # quote
    ("daquq", ["Kirkuk-02"]),  # location
    ("Raqqa", ["raqqa-05"]),  # location_mention
    ("turkey", ["raqqa-05"]),  # actor1
    ("civilians", ["kirkuk-01", "mosul-17"]),  # actor2
    ("minibus rashad", ["kirkuk-01"]),  # every word, here from two fields
    ("junction minibus", ["kirkuk-01"]),  # in any order
    ("junction tanker", []),
    ("rash", ["kirkuk-01"]),  # a word's beginning
    ("ashad", []),  # not its middle
    ("explode", ["kirkuk-01"]),
    ("explosion", []),  # no stemming
    ("ROADSIDE BOMB", ["kirkuk-01"]),
    ("qamishli", ["qamishli-09"]),  # diacritics ignored in the text...
    ("Qāmishlī", ["qamishli-09"]),  # ...and in the query
    ("hasakah", []),  # admin1 is not searched
    ("outages", []),  # nor the source
    ("wadi al-shay", ["Kirkuk-02"]),
    ("drone -strike", ["raqqa-05"]),  # query syntax is plain text
    ("checkpoint*", ["kirkuk.01", "raqqa-05"]),
    ('"drone OR tanker', []),
])
def test_text_matches_word_beginnings_in_six_fields(case_store, text, expected):
    assert matching(case_store, text=text) == expected


def test_text_and_actor_combine_with_the_other_filters(case_store):
    assert matching(case_store, text="checkpoint", countries=["SY"]) == ["raqqa-05"]
    assert matching(case_store, actor="iraq", text="army", layer=None) == ["area-sinjar"]


@pytest.mark.parametrize("filters, expected", [
    ({"bbox": (38, 34, 42, 37)}, ["green_village", "mayadin_launch_site"]),
    ({"bbox": (43, 35.5, 45, 37)}, ["erbil_missiles", "mosul_ied"]),
    ({"bbox": (40.576, 35.152, 40.576, 35.152)}, ["green_village"]),
    ({"bbox": (0, 0, 1, 1)}, []),
    ({"start": date(2022, 3, 13), "end": date(2022, 4, 1)},
     ["baghdad_protest", "erbil_missiles"]),
    ({"start": date(2022, 4, 7)}, ["green_village", "mayadin_launch_site"]),
    ({"end": date(2022, 1, 2)}, ["idlib_airstrike"]),
    ({"event_types": ["Protests"]}, ["baghdad_protest"]),
    ({"event_types": ["Battles", "Protests"]}, ["baghdad_protest", "mayadin_launch_site"]),
    ({"sub_event_types": ["Shelling/artillery/missile attack"]},
     ["erbil_missiles", "green_village"]),
    ({"event_types": ["Battles"], "sub_event_types": ["Air/drone strike"]}, []),
    ({"countries": ["IQ"]}, ["baghdad_protest", "erbil_missiles", "mosul_ied"]),
    ({"countries": ["SY", "IQ"]}, SAMPLE_IDS),
    ({"actor": "islamic state"}, ["mosul_ied"]),
    ({"actor": "CIVILIANS"}, ["erbil_missiles", "idlib_airstrike"]),
    ({"actor": "united states (2021-)"}, ["green_village", "mayadin_launch_site"]),
    ({"actor": "100%_"}, []),
    ({"text": "water station"}, ["idlib_airstrike"]),
    ({"text": "rocket"}, ["green_village", "mayadin_launch_site"]),
    ({"text": "rockets struck"}, ["green_village"]),
    ({"text": "launch"}, ["mayadin_launch_site"]),
    ({"text": "Tahrír"}, ["baghdad_protest"]),
    ({"text": "Idleb"}, ["idlib_airstrike"]),
    ({"text": "al-Omar"}, ["green_village"]),
    ({"text": "\"rocket OR launch*"}, []),
    ({"min_fatalities": 3}, ["idlib_airstrike", "mosul_ied"]),
    ({"min_fatalities": 0}, [n for n in SAMPLE_IDS if n != "mayadin_launch_site"]),
    ({"precision": 1}, ["erbil_missiles", "green_village", "idlib_airstrike"]),
    ({"statuses": ["published"]}, ["baghdad_protest", "erbil_missiles", "mosul_ied"]),
    ({"statuses": ["draft"], "countries": ["SY"], "bbox": (36, 35, 41, 36)},
     ["green_village", "idlib_airstrike", "mayadin_launch_site"]),
    ({"layer": "archive"}, []),
])
def test_filters_on_the_sample_reports(sample_store, filters, expected):
    assert sorted(SAMPLE_NAMES[i] for i in matching(sample_store, **filters)) == expected


@pytest.mark.parametrize("conditions, expected", [
    ([("admin1", "=", "Deir ez-Zor")], ["green_village", "mayadin_launch_site"]),
    ([("fatalities", ">", 2), ("actor1", "like", "islamic state%")], ["mosul_ied"]),
    ([("location", "in", ("Mosul", "Erbil"))], ["erbil_missiles", "mosul_ied"]),
    ([("gazetteer_id", "=", "site:green-village")], ["green_village"]),
    ([("injuries", ">=", 2)], ["green_village", "mosul_ied"]),
    ([("fatalities", "isnull", None)], ["mayadin_launch_site"]),
    ([("event_date", ">=", "2022-03-01"), ("country", "<>", "SY")],
     ["baghdad_protest", "erbil_missiles"]),
    ([("actor2", "like", "%united states%")], ["green_village"]),
])
def test_cql2_conditions_filter_the_same_on_every_backend(sample_store, conditions, expected):
    where = tuple(Condition(*condition) for condition in conditions)
    assert sorted(SAMPLE_NAMES[i] for i in matching(sample_store, where=where)) == expected


def scattered(count: int, seed: int):
    """Points, lines and polygons of every size, anywhere on Earth, on two layers."""
    rng = random.Random(seed)
    for number in range(count):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-90, 90)
        end = [min(lon + rng.choice((0, 0.05, 2, 60)), 180), min(lat + rng.uniform(0, 3), 90)]
        geometry = rng.choice(({"type": "Point", "coordinates": [lon, lat]},
                               {"type": "LineString", "coordinates": [[lon, lat], end]},
                               {"type": "Polygon", "coordinates": [[[lon, lat], [end[0], lat],
                                                                    end, [lon, lat]]]}))
        yield incident(f"s{seed}-{number}", f"20{rng.randrange(10, 24)}-05-01", geometry,
                       *CLASH, layer=rng.choice(("incidents", "other")))


def meets(box, bbox) -> bool:
    return box[0] <= bbox[2] and box[2] >= bbox[0] and box[1] <= bbox[3] and box[3] >= bbox[1]


@pytest.mark.parametrize("seed", [1, 2])
def test_bbox_finds_exactly_the_features_whose_box_meets_it(empty_store, seed):
    features = [parse_feature(raw) for raw in scattered(400, seed)]
    empty_store.add_many(features)
    rng = random.Random(seed)
    for _ in range(25):
        lon, lat, size = rng.uniform(-180, 180), rng.uniform(-90, 90), rng.choice((0.5, 5, 90))
        bbox = (lon, lat, min(lon + size, 180), min(lat + size, 90))
        for layer in ("incidents", None):
            expected = sorted(f["id"] for f in features if meets(geometry_bbox(f["geometry"]), bbox)
                              and layer in (None, f["properties"]["layer"]))
            assert sorted(matching(empty_store, bbox=bbox, layer=layer)) == expected
            page = IncidentQuery(bbox=bbox, layer=layer, limit=5, sort="id")
            assert ids(empty_store.query(page)) == expected[:5]


def dense_town(count: int, seed: int):
    """A town's incidents as reports give them: most within a few km of its centre, some
    on the exact lines of the stores' grids (1/8 and 1/64 degree), a few roads and areas."""
    rng = random.Random(seed)
    kinds = [CLASH, ("Protests", "Peaceful protest"), ("Riots", "Mob violence")]
    for number in range(count):
        lon, lat = rng.gauss(44.37, 0.04), rng.gauss(33.31, 0.03)
        if number % 7 == 0:  # on a sub-cell's corner
            lon, lat = round(lon * 64) / 64, round(lat * 64) / 64
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        if number % 50 == 3:
            geometry = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.03, lat + 0.01]]}
        yield incident(f"town-{number:04d}", f"2021-0{1 + number % 9}-1{number % 10}", geometry,
                       *rng.choice(kinds), status=rng.choice(("draft", "published")))


def test_counts_in_a_dense_town_are_exact_wherever_a_bbox_cuts_it(empty_store):
    features = [parse_feature(raw) for raw in dense_town(900, 3)]
    empty_store.add_many(features)
    rng = random.Random(3)
    boxes = [(44.25, 33.2, 44.5, 33.4), (44.34375, 33.296875, 44.40625, 33.328125),  # on lines
             (44.3, 33.25, 44.3, 33.4),  # a line of no width
             (41.0, 30.0, 47.9, 36.6), (44.0, 33.0, 46.0, 35.0)]  # whole degrees inside
    for _ in range(24):
        lon, lat = rng.gauss(44.37, 0.05), rng.gauss(33.31, 0.04)
        boxes.append((lon, lat, lon + rng.uniform(0, 0.2), lat + rng.uniform(0, 0.15)))
    assert_counts_exact(empty_store, features, boxes)
    for feature in features[::5]:  # a fifth deleted, a fifth moved across the town
        empty_store.delete(feature["id"])
    for feature in features[1::5]:
        feature["geometry"] = {"type": "Point", "coordinates": [44.4021, 33.2817]}
        empty_store.update(feature["id"], {"geometry": feature["geometry"]})
    assert_counts_exact(empty_store, [f for n, f in enumerate(features) if n % 5], boxes)


def on_the_antimeridian(count: int, seed: int):
    """Taveuni's incidents, the Fijian island the 180th meridian crosses: many reported at
    exactly lon 180 (where RFC 7946 lets a longitude end), the rest just west of it; and a
    few from an expedition at the North Pole (lat 90)."""
    rng = random.Random(seed)
    for number in range(count):
        lon, lat = 180.0 if number % 3 == 0 else 180 - abs(rng.gauss(0, 0.05)), rng.gauss(-16.85, 0.05)
        if number % 40 == 1:
            lon, lat = rng.uniform(-30, 30), 90.0
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        yield incident(f"edge-{number:04d}", f"2022-0{1 + number % 9}-1{number % 10}", geometry,
                       *CLASH, status=rng.choice(("draft", "published")))


def test_incidents_on_the_antimeridian_and_the_pole_are_counted(empty_store):
    features = [parse_feature(raw) for raw in on_the_antimeridian(900, 4)]
    empty_store.add_many(features)
    boxes = [(179.0, -17.5, 180.0, -16.0), (179.95, -17.0, 180.0, -16.7), (170.0, -20.0, 180.0, -10.0),
             (180.0, -90.0, 180.0, 90.0), (-180.0, -90.0, 180.0, 90.0), (-40.0, 80.0, 40.0, 90.0),
             (-30.0, 89.0, 30.0, 90.0), (150.0, -40.0, 180.0, 0.0)]
    assert_counts_exact(empty_store, features, boxes)


def assert_counts_exact(store, features: list[dict], boxes: list[tuple]) -> None:
    """count and the aggregate's numberMatched are what counting the features says."""
    filters = [{}, {"statuses": ("published",)}, {"event_types": ("Battles", "Riots")}]
    names = {"statuses": "status", "event_types": "event_type"}
    for bbox in boxes:
        for given in filters:
            expected = sum(meets(geometry_bbox(f["geometry"]), bbox) and all(
                f["properties"][names[name]] in values for name, values in given.items())
                for f in features)
            query = IncidentQuery(bbox=bbox, limit=None, **given)
            assert store.count(query) == expected, (bbox, given)
            for zoom in (4, 9):
                answer = store.aggregate(query, zoom)
                assert answer["numberMatched"] == expected == sum(
                    cell["count"] for cell in answer["cells"]), (bbox, given, zoom)


# --- aggregates and histograms ----------------------------------------------------------------

AGGREGATED = [{}, {"bbox": (39.0, 34.0, 45.0, 37.5)}, {"event_types": ("Battles",)},
              {"statuses": ("published",)}, {"countries": ("IQ",)}, {"start": date(2023, 1, 1)},
              {"layer": "archive"}, {"bbox": (0.0, 0.0, 1.0, 1.0)}]


def centre(feature) -> tuple[float, float]:
    minlon, minlat, maxlon, maxlat = geometry_bbox(feature["geometry"])
    return (minlon + maxlon) / 2, (minlat + maxlat) / 2


@pytest.mark.parametrize("zoom", [3, 7, 12])
@pytest.mark.parametrize("filters", AGGREGATED)
def test_aggregate_counts_each_match_in_the_cell_of_its_centre(case_store, filters, zoom):
    query = IncidentQuery(limit=None, **filters)
    answer = case_store.aggregate(query, zoom)
    size = cell_size(zoom, query.bbox)
    expected = {}
    for feature in case_store.query(query):
        lon, lat = centre(feature)
        west, south = (lon + 180) // size * size - 180, (lat + 90) // size * size - 90
        by_type = expected.setdefault((west, south, west + size, south + size), {})
        kind = feature["properties"]["event_type"]
        by_type[kind] = by_type.get(kind, 0) + 1
    assert {tuple(cell["bbox"]): cell["by_type"] for cell in answer["cells"]} == expected
    assert answer["numberMatched"] == case_store.count(query) == sum(
        cell["count"] for cell in answer["cells"])


@pytest.mark.parametrize("filters", [*AGGREGATED, {"admin1": ("Kirkuk",)},
                                     {"countries": ("SY",), "event_types": ("Protests",)}])
def test_admin1_counts_count_each_match_under_its_division(case_store, filters):
    query = IncidentQuery(limit=None, **filters)
    answer = case_store.admin1_counts(query)
    expected: dict = {}
    for feature in case_store.query(query):
        p = feature["properties"]
        by_type = expected.setdefault((p["country"], p["admin1"]), {})
        by_type[p["event_type"]] = by_type.get(p["event_type"], 0) + 1
    assert {(d["country"], d["admin1"]): d["by_type"] for d in answer["divisions"]} == expected
    assert answer["numberMatched"] == case_store.count(query) == sum(
        d["count"] for d in answer["divisions"])


def test_a_division_is_placed_at_its_matches_mean_centre(case_store):
    kirkuk, hasakah = (case_store.admin1_counts(IncidentQuery(admin1=(name,)))["divisions"][0]
                       for name in ("Kirkuk", "Al-Hasakah"))
    assert kirkuk["count"] == 2 and kirkuk["country"] == "IQ"
    assert (kirkuk["lon"], kirkuk["lat"]) == (pytest.approx(44.371), pytest.approx(35.234))
    assert (hasakah["lon"], hasakah["lat"], hasakah["count"]) == (41.22, 37.05, 1)


def test_a_cell_is_placed_at_its_matches_mean_centre(case_store):
    (cell,) = [c for c in case_store.aggregate(IncidentQuery(bbox=(44, 35, 45, 36)), 7)["cells"]]
    assert cell["count"] == 4 and cell["bbox"] == [44.0, 35.0, 45.0, 36.0]  # the Kirkuk four
    assert (cell["lon"], cell["lat"]) == (pytest.approx(44.3805, abs=1e-6),
                                          pytest.approx(35.3495, abs=1e-6))


@pytest.mark.parametrize("filters", AGGREGATED)
def test_histogram_counts_each_match_in_its_month(case_store, filters):
    query = IncidentQuery(limit=None, **filters)
    found = case_store.query(query)
    answer = case_store.histogram(query, "month")
    assert answer["interval"] == "month" and answer["numberMatched"] == len(found)
    assert answer["fatalities"] == sum(f["properties"]["fatalities"] or 0 for f in found)
    for bucket in answer["buckets"]:
        inside = [f for f in found if f["properties"]["event_date"][:7] == bucket["start"][:7]]
        assert bucket["start"].endswith("-01") and bucket["count"] == len(inside)
        assert bucket["fatalities"] == sum(f["properties"]["fatalities"] or 0 for f in inside)
        assert sum(bucket["by_type"].values()) == bucket["count"]


@pytest.mark.parametrize(("start", "end"), [(date(2022, 10, 1), date(2023, 3, 31)),  # months
                                            (date(2022, 10, 31), date(2023, 3, 10))])  # cut
def test_histogram_months_follow_dates_and_deletions(case_store, start, end):
    def expected():
        found = case_store.query(IncidentQuery(limit=None, start=start, end=end))
        months = sorted({f["properties"]["event_date"][:7] for f in found})
        return {f"{month}-01": sum(f["properties"]["event_date"][:7] == month for f in found)
                for month in months}

    def counted():
        answer = case_store.histogram(IncidentQuery(start=start, end=end), "month")
        return {b["start"]: b["count"] for b in answer["buckets"] if b["count"]}

    assert counted() == expected() and sum(expected().values()) >= 3
    first = case_store.query(IncidentQuery(limit=1, start=start, end=end))[0]
    case_store.delete(first["id"])
    assert counted() == expected()


def test_histogram_weeks_start_on_monday_and_empty_weeks_are_kept(case_store):
    query = IncidentQuery(start=date(2022, 10, 1), end=date(2022, 12, 31))
    weeks = case_store.histogram(query, "week")["buckets"]
    assert [(b["start"], b["count"]) for b in weeks] == [("2022-10-31", 2)]  # both on a Wednesday
    query = IncidentQuery(start=date(2022, 11, 1), end=date(2023, 1, 31))
    weeks = case_store.histogram(query, "week")["buckets"]
    assert weeks[0]["start"] == "2022-10-31" and weeks[-1]["start"] == "2023-01-09"
    assert len(weeks) == 11 and [b["count"] for b in weeks].count(0) == 9
    days = case_store.histogram(IncidentQuery(start=date(2023, 3, 10)), "day")["buckets"]
    assert days == [{"start": "2023-03-10", "count": 4, "fatalities": 4,
                     "by_type": {"Battles": 1 + 1, "Explosions/Remote violence": 2}}]


def test_actors_are_suggested_most_named_first_by_substring(case_store):
    assert case_store.actors("incidents", "iraq")[:3] == [
        {"name": "Military Forces of Iraq (2020-)", "count": 3},
        {"name": "Civilians (Iraq)", "count": 2},  # ties by name
        {"name": "Islamic State (Iraq)", "count": 2}]
    assert case_store.actors("incidents", "50%") == []
    assert case_store.actors("archive") == [{"name": "Rioters (Iraq)", "count": 1}]
    assert len(case_store.actors("incidents", None, limit=2)) == 2
    case_store.delete("kirkuk.01")
    assert case_store.actors("incidents", "forces of iraq") == [
        {"name": "Military Forces of Iraq (2020-)", "count": 2}]


def test_actor_suggestions_follow_edits_merges_and_moves(case_store):
    """The actor summary agrees with counting every incident after each kind of write."""
    def counted(layer: str) -> list[dict]:
        return IncidentStore.actors(case_store, layer, None, 100)  # the counting default

    case_store.update("mosul-17", {"actor1": "Peshmerga", "actor2": "Islamic State (Iraq)"})
    case_store.update("kirkuk-01", {"layer": "archive"})
    case_store.merge("Kirkuk-02", {}, ["kirkuk01"])
    case_store.delete("area-sinjar")
    for layer in ("incidents", "archive"):
        assert case_store.actors(layer, None, 100) == counted(layer)
    assert {"name": "Peshmerga", "count": 1} in case_store.actors("incidents", "peshm")
    assert case_store.actors("archive", "iraq") == counted("archive")


# --- order and pages --------------------------------------------------------------------------

def test_sort_orders_and_their_tie_breaks(case_store):
    assert matching(case_store) == NEWEST_FIRST
    assert matching(case_store, sort="event_date_asc") == NEWEST_FIRST[::-1]
    assert matching(case_store, sort="fatalities") == [
        "raqqa-05", "kirkuk-01", "kirkuk.01", "area-sinjar", "kirkuk01", "mosul-17",
        "Kirkuk-02", "no-country", "qamishli-09", "route-euphrates"]
    assert matching(case_store, sort="id") == [
        "Kirkuk-02", "area-sinjar", "kirkuk-01", "kirkuk.01", "kirkuk01", "mosul-17",
        "no-country", "qamishli-09", "raqqa-05", "route-euphrates"]
    assert matching(case_store, sort="fatalities", layer=None)[:3] == [
        "raqqa-05", "kirkuk-01", "archive-0001"]
    assert matching(case_store, sort="event_type") == [
        "Kirkuk-02", "kirkuk.01", "area-sinjar", "kirkuk-01", "kirkuk01", "raqqa-05",
        "qamishli-09", "no-country", "route-euphrates", "mosul-17"]
    assert matching(case_store, sort="location") == [
        "raqqa-05", "Kirkuk-02", "kirkuk-01", "qamishli-09", "kirkuk.01", "kirkuk01",
        "no-country", "mosul-17", "route-euphrates", "area-sinjar"]


@pytest.mark.parametrize("sort", ["event_date", "event_date_asc", "fatalities", "id",
                                  "event_type", "location"])
def test_pages_cut_the_order_into_disjoint_pieces(case_store, sort):
    whole = matching(case_store, sort=sort, layer=None)
    pages = [ids(case_store.query(IncidentQuery(layer=None, sort=sort, limit=3, offset=offset)))
             for offset in range(0, 15, 3)]
    assert [len(page) for page in pages] == [3, 3, 3, 2, 0]
    assert [i for page in pages for i in page] == whole
    query = IncidentQuery(layer=None, sort=sort, limit=4, offset=5)
    assert case_store.count(query) == len(CASES)
    assert ids(case_store.query(query)) == whole[5:9]


def test_a_default_query_is_the_first_page_of_the_default_layer(case_store):
    assert ids(case_store.query(IncidentQuery(limit=2))) == NEWEST_FIRST[:2]
    assert case_store.count(IncidentQuery()) == len(NEWEST_FIRST)
    assert case_store.count(IncidentQuery(layer=None)) == len(CASES)


# --- streams and encoded reads ------------------------------------------------------------------

def test_streams_and_json_reads_give_what_query_gives(case_store):
    for query in (IncidentQuery(limit=None), IncidentQuery(layer=None, sort="fatalities", limit=4),
                  IncidentQuery(bbox=(40, 34, 45, 37), text="military", limit=None)):
        expected = case_store.query(query)
        assert list(case_store.iter_features(query)) == expected
        data = list(case_store.iter_feature_json(query))
        assert all(isinstance(item, bytes) for item in data)
        assert [orjson.loads(item) for item in data] == expected
        assert [orjson.loads(item) for item in case_store.query_json(query)] == expected


def test_a_stream_reads_one_snapshot_while_another_writer_adds(store_factory):
    reader, writer = store_factory("shared"), store_factory("shared")
    reader.add_many(many(50, day="2020-01-01"))
    stream = reader.iter_feature_json(IncidentQuery(limit=None, sort="id"))
    first = orjson.loads(next(stream))
    writer.add_many(many(30, day="2020-01-02", prefix="late"))
    rest = [orjson.loads(item)["id"] for item in stream]
    assert [first["id"], *rest] == sorted(f"case-{n:05d}" for n in range(50))
    assert reader.count(IncidentQuery()) == 80


# --- layers -------------------------------------------------------------------------------------

def test_layers_summarise_what_each_holds(case_store):
    assert case_store.layers() == [
        {"id": "archive", "count": 1, "bbox": [47.78, 30.51, 47.78, 30.51],
         "time_extent": ["2019-05-05", "2019-05-05"]},
        {"id": "incidents", "count": 10, "bbox": [39.01, 28.5, 49.5, 37.05],
         "time_extent": ["2021-08-03", "2023-03-10"]}]


def test_layers_follow_updates_and_deletions(case_store):
    case_store.delete("no-country")  # the eastern and southern edge
    case_store.update("area-sinjar", {"layer": "archive"})  # the first day
    incidents, archive = case_store.layers()[1], case_store.layers()[0]
    assert incidents == {"id": "incidents", "count": 8, "bbox": [39.01, 34.4, 44.40, 37.05],
                         "time_extent": ["2022-06-20", "2023-03-10"]}
    assert (archive["count"], archive["time_extent"]) == (2, ["2019-05-05", "2021-08-03"])
    case_store.delete("archive-0001")
    case_store.delete("area-sinjar")
    assert [layer["id"] for layer in case_store.layers()] == ["incidents"]


def test_an_empty_store_has_no_layers(empty_store):
    assert empty_store.layers() == []
    assert empty_store.count(EVERYTHING) == 0
    assert empty_store.query(EVERYTHING) == [] == list(empty_store.iter_features(EVERYTHING))


# --- writing one ----------------------------------------------------------------------------------

def test_add_validates_and_returns_what_get_returns(empty_store):
    added = empty_store.add(CASES[0])
    assert added == empty_store.get("kirkuk-01") == empty_store.find("kirkuk-01")
    assert added["properties"]["country"] == "IQ" and added["properties"]["status"] == "published"
    assert TIMESTAMP.fullmatch(added["properties"]["created_at"])
    assert added["properties"]["updated_at"] == added["properties"]["created_at"]
    assert empty_store.find("nope") is None
    with pytest.raises(NotFoundError):
        empty_store.get("nope")


def test_an_identical_add_returns_the_stored_copy_and_a_different_one_conflicts(empty_store):
    first = empty_store.add(CASES[4])
    assert empty_store.add(CASES[4]) == first
    with pytest.raises(ConflictError):
        empty_store.add(altered(CASES[4], fatalities=2))
    assert empty_store.get("mosul-17") == first


def test_an_invalid_feature_is_refused_naming_the_field_and_nothing_is_stored(empty_store):
    with pytest.raises(ValidationError) as caught:
        empty_store.add(altered(CASES[0], event_date="last Tuesday"))
    assert caught.value.field == "properties.event_date"
    assert empty_store.count(EVERYTHING) == 0 and empty_store.layers() == []


def altered(raw: dict, **properties) -> dict:
    """A copy of a raw incident with some properties changed."""
    copy = orjson.loads(orjson.dumps(raw))
    copy["properties"].update(properties)
    return copy


def test_add_all_stores_every_feature_or_none(empty_store):
    stored = empty_store.add_all(CASES[:3])
    assert ids(stored) == ["kirkuk-01", "Kirkuk-02", "kirkuk.01"]
    assert empty_store.add_all([CASES[0], CASES[3]])[0] == stored[0]  # identical: as stored
    for batch in ([CASES[4], altered(CASES[1], fatalities=4)],  # differs from the stored one
                  [CASES[5], CASES[6], altered(CASES[6], fatalities=1)]):  # given twice
        with pytest.raises(ConflictError):
            empty_store.add_all(batch)
    with pytest.raises(ValidationError):
        empty_store.add_all([CASES[8], altered(CASES[7], event_date="2022-02-30")])
    assert sorted(matching(empty_store)) == ["Kirkuk-02", "kirkuk-01", "kirkuk.01", "kirkuk01"]


def test_update_merges_keeps_the_old_version_and_reindexes(case_store):
    before = case_store.get("raqqa-05")
    after = case_store.update("raqqa-05", {
        "geometry": {"type": "Point", "coordinates": [38.0, 36.5]},
        "properties": {"fatalities": 14, "quote": "Fourteen were killed at the Tabqa dam."}},
        author="analyst")
    props = after["properties"]
    assert props["fatalities"] == 14 and props["summary"] == before["properties"]["summary"]
    assert props["created_at"] == before["properties"]["created_at"] <= props["updated_at"]
    assert case_store.get("raqqa-05") == after
    [entry] = case_store.history("raqqa-05")
    assert (entry["action"], entry["author"], entry["feature"]) == ("update", "analyst", before)
    assert TIMESTAMP.fullmatch(entry["recorded_at"])
    assert matching(case_store, text="tabqa") == ["raqqa-05"]
    assert matching(case_store, text="twelve") == []
    assert matching(case_store, bbox=(37.9, 36.4, 38.1, 36.6)) == ["raqqa-05"]
    assert matching(case_store, bbox=(39.0, 35.9, 39.1, 36.0)) == []
    assert matching(case_store, min_fatalities=13) == ["raqqa-05"]


def test_update_refuses_bad_patches_and_changes_nothing(case_store):
    before = case_store.get("mosul-17")
    for patch, field in (({"fatalities": -3}, "properties.fatalities"),
                         ({"id": "other"}, "properties.id"),
                         ({"sub_event_type": "Armed clash"}, "properties.sub_event_type"),
                         ({"geometry": {"type": "Point", "coordinates": [43, 99]}},
                          "geometry.coordinates")):
        with pytest.raises(ValidationError) as caught:
            case_store.update("mosul-17", patch)
        assert caught.value.field == field
    assert case_store.get("mosul-17") == before and case_store.history("mosul-17") == []
    with pytest.raises(NotFoundError):
        case_store.update("never-stored", {"fatalities": 1})


def test_an_update_that_changes_nothing_keeps_no_version_and_null_removes_an_extra(case_store):
    assert case_store.update("kirkuk01", {"fatalities": 0}) == case_store.get("kirkuk01")
    assert case_store.history("kirkuk01") == []
    case_store.update("kirkuk01", {"verified_by": "field team"}, author="a")
    assert case_store.get("kirkuk01")["properties"]["verified_by"] == "field team"
    case_store.update("kirkuk01", {"verified_by": None}, author="b")
    assert "verified_by" not in case_store.get("kirkuk01")["properties"]
    assert [entry["author"] for entry in case_store.history("kirkuk01")] == ["a", "b"]


def test_delete_keeps_the_last_version_and_forgets_the_rest(case_store):
    last = case_store.get("qamishli-09")
    case_store.delete("qamishli-09", author="editor")
    assert case_store.find("qamishli-09") is None
    assert [(e["action"], e["author"], e["feature"]) for e in case_store.history("qamishli-09")] == [
        ("delete", "editor", last)]
    assert matching(case_store, text="qamishli") == []
    assert matching(case_store, event_types=["Protests"]) == []
    with pytest.raises(NotFoundError):
        case_store.delete("qamishli-09")
    with pytest.raises(NotFoundError):
        case_store.history("never-stored")


def test_history_is_oldest_first_across_updates_delete_and_a_new_add(case_store):
    case_store.update("kirkuk.01", {"injuries": 2}, author="first")
    case_store.update("kirkuk.01", {"injuries": 3}, author="second")
    case_store.delete("kirkuk.01", author="third")
    case_store.add(CASES[2])  # an explicit add brings a deleted incident back
    history = case_store.history("kirkuk.01")
    assert [(e["action"], e["author"]) for e in history] == [
        ("update", "first"), ("update", "second"), ("delete", "third")]
    assert [e["feature"]["properties"].get("injuries") for e in history] == [None, 2, 3]
    assert case_store.get("kirkuk.01")["properties"].get("injuries") is None


# --- writing many ---------------------------------------------------------------------------------

def many(count: int, *, day: str = "2020-06-01", prefix: str = "case", layer: str = "incidents"):
    """``count`` distinct incidents along the Euphrates, streamed (a generator)."""
    for number in range(count):
        yield incident(f"{prefix}-{number:05d}", day,
                       (38.0 + (number % 300) / 100, 34.5 + (number // 300) / 100), *CLASH,
                       country="SY", layer=layer, fatalities=number % 4,
                       summary=f"Clash number {number} along the river road.")


def test_add_many_counts_refuses_by_position_and_stores_the_rest(empty_store):
    features = [*CASES[:3], {"type": "Feature"}, CASES[0], altered(CASES[4], fatalities="three"),
                CASES[5], altered(CASES[1], fatalities=9)]
    result = empty_store.add_many(features)
    assert (result.added, result.skipped) == (4, 1)
    assert [(position, field) for position, field, _ in result.refused] == [
        (3, "geometry"), (5, "properties.fatalities"), (7, "id")]
    assert sorted(matching(empty_store)) == sorted(["kirkuk-01", "Kirkuk-02", "kirkuk.01",
                                                    "raqqa-05"])
    assert empty_store.get("Kirkuk-02")["properties"]["fatalities"] is None


def test_add_many_streams_a_large_input_and_a_rerun_adds_nothing(empty_store):
    result = empty_store.add_many(many(6000))
    assert (result.added, result.skipped, result.refused) == (6000, 0, [])
    assert empty_store.count(IncidentQuery()) == 6000
    assert empty_store.count(IncidentQuery(bbox=(38.0, 34.5, 38.995, 34.5))) == 100
    assert empty_store.count(IncidentQuery(min_fatalities=3)) == 1500
    assert empty_store.layers()[0]["bbox"] == [38.0, 34.5, 40.99, 34.69]
    again = empty_store.add_many(many(6000))
    assert (again.added, again.skipped) == (0, 6000)


def test_add_many_can_leave_deleted_incidents_deleted(case_store):
    case_store.delete("raqqa-05")
    kept_away = case_store.add_many(CASES, skip_deleted=True)
    assert (kept_away.added, kept_away.skipped) == (0, len(CASES))
    assert case_store.find("raqqa-05") is None
    restored = case_store.add_many(CASES)  # without it, a deleted incident comes back
    assert (restored.added, restored.skipped) == (1, len(CASES) - 1)
    assert case_store.find("raqqa-05") is not None


def test_the_sample_reports_round_trip(empty_store):
    result = empty_store.add_many(samples().values())
    assert result.added == len(samples())
    stored = {f["id"]: f for f in empty_store.iter_features(EVERYTHING)}
    for raw in samples().values():
        expected = parse_feature(raw)
        got = stored[expected["id"]]
        assert got["geometry"] == expected["geometry"]
        created = got["properties"]["created_at"]
        assert got["properties"] == {**expected["properties"], "created_at": created,
                                     "updated_at": created}
    assert ids(empty_store.query(IncidentQuery(text="green village"))) == [
        parse_feature(sample("green_village"))["id"]]


# --- more than one writer ---------------------------------------------------------------------------

def test_two_writers_at_once_store_everything(store_factory):
    stores = [store_factory("shared"), store_factory("shared")]
    results, errors = [], []

    def write(store, prefix):
        try:
            results.append(store.add_many(many(1500, prefix=prefix)))
        except Exception as error:  # reported below, with the other writer's outcome
            errors.append(error)
    threads = [threading.Thread(target=write, args=(store, prefix))
               for store, prefix in zip(stores, ("east", "west"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and sorted(r.added for r in results) == [1500, 1500]
    assert stores[0].count(IncidentQuery()) == stores[1].count(IncidentQuery()) == 3000
    assert stores[1].layers()[0]["count"] == 3000


def test_two_writers_updating_one_incident_lose_no_update(store_factory):
    stores = [store_factory("shared"), store_factory("shared")]
    stores[0].add(CASES[4])

    def annotate(store, name):
        for number in range(15):
            store.update("mosul-17", {name: number}, author=name)
    threads = [threading.Thread(target=annotate, args=(store, name))
               for store, name in zip(stores, ("checked_by_east", "checked_by_west"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    props = stores[1].get("mosul-17")["properties"]
    assert (props["checked_by_east"], props["checked_by_west"]) == (14, 14)
    assert len(stores[0].history("mosul-17")) == 30


def test_another_thread_reads_through_the_same_store(case_store):
    seen = []
    worker = threading.Thread(target=lambda: seen.append(case_store.count(IncidentQuery())))
    worker.start()
    worker.join()
    assert seen == [len(NEWEST_FIRST)]


def test_a_reopened_store_holds_what_was_written(store_factory):
    with store_factory("kept") as store:
        store.add_many(CASES)
        store.delete("no-country")
    reopened = store_factory("kept")
    assert reopened.count(EVERYTHING) == len(CASES) - 1
    assert [e["action"] for e in reopened.history("no-country")] == ["delete"]


def test_a_shared_secret_is_made_once_and_read_alike_by_every_handle(store_factory):
    first, second = store_factory("secrets"), store_factory("secrets")
    key = first.shared_secret("session-key")
    assert len(key) >= 32 and second.shared_secret("session-key") == key
    assert first.shared_secret("another") not in (key, "")
    assert store_factory("fresh").shared_secret("session-key") != key  # a new store, a new key
