"""The store contract for learned places (geomap/store/learned.py), once per backend.

- A new store has none; every write learns in its own transaction.
- A stored Point with a ``location`` and no ``gazetteer_id`` teaches its name at its point
  (rounded to 5 decimals), with its country and admin1, source ``acled`` when it carries
  ACLED's own columns (``event_id_no_cnty``, ``data_id``, ``inter1`` ...) else ``import``,
  and a count of the incidents that say so. A ``gazetteer_id`` (the gazetteer placed it),
  geo_precision 3 (a region's centre) or no name teaches nothing.
- An update that moves the incident or renames its location is an analyst's correction:
  the new name and point are learned with source ``analyst`` (whatever its gazetteer_id);
  the old point counts one incident fewer. A deletion counts one fewer; a count of 0 is
  no learned place. An analyst's correction stays when its incident is deleted.
- ``learned_places()`` lists them by name (code point order), then country and point;
  ``remove_learned_place(name, country=None)`` forgets that name in any case, in one
  country or all, and says how many it removed.
"""

from __future__ import annotations

import pytest

from geomap.store import LearnedPlace


def point(incident_id, location, lon, lat, **props):
    return {"type": "Feature", "id": incident_id,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"event_date": "2021-03-06", "event_type": "Battles",
                           "sub_event_type": "Armed clash", "country": "SY",
                           "location": location, **props}}


def learned(store) -> list[tuple]:
    return [(p.name, p.country, p.lat, p.lon, p.source, p.count) for p in store.learned_places()]


@pytest.fixture
def store(store_factory):
    return store_factory()


def test_a_new_store_has_no_learned_places(store):
    assert store.learned_places() == []


def test_stored_incidents_teach_their_name_point_source_and_count(store):
    store.add_many([point("a", "Jadid Ekeidat", 40.413336, 35.21, admin1="Deir ez-Zor"),
                    point("b", "Jadid Ekeidat", 40.413336, 35.21, inter1="3"),
                    point("c", "Tell Quwayrat", 40.5533, 35.0417, event_id_no_cnty="990001")])
    store.add(point("d", "Hawi Kharrar", 36.1, 33.9, country="LB"))
    assert learned(store) == [("Hawi Kharrar", "LB", 33.9, 36.1, "import", 1),
                              ("Jadid Ekeidat", "SY", 35.21, 40.41334, "import", 2),
                              ("Tell Quwayrat", "SY", 35.0417, 40.5533, "acled", 1)]
    [place] = [p for p in store.learned_places() if p.name == "Jadid Ekeidat"]
    assert isinstance(place, LearnedPlace) and place.admin1 == "Deir ez-Zor"
    assert place.first_seen and place.last_seen


def test_what_is_not_learned(store):
    store.add_all([
        point("a", "Hajin", 40.83, 34.69, gazetteer_id="geonames:174506"),
        point("b", "Deir ez-Zor province", 40.2, 35.1, geo_precision=3),
        point("c", None, 40.1, 35.3),
        {**point("d", "Euphrates", 0, 0), "geometry": {
            "type": "LineString", "coordinates": [[38.5, 35.9], [40.1, 35.3]]}},
    ])
    assert store.learned_places() == []


def test_a_skipped_duplicate_is_not_counted_twice(store):
    store.add_many([point("a", "Jadid Ekeidat", 40.41, 35.21)])
    assert store.add_many([point("a", "Jadid Ekeidat", 40.41, 35.21)]).skipped == 1
    assert [p.count for p in store.learned_places()] == [1]


def test_an_analyst_correction_is_learned_and_the_old_point_counts_one_less(store):
    store.add_many([point("a", "Jadid Ekeidat", 40.0, 35.0), point("b", "Jadid Ekeidat", 40.0, 35.0)])
    store.update("a", {"geometry": {"type": "Point", "coordinates": [40.41, 35.21]}}, author="an")
    assert sorted(learned(store)) == [("Jadid Ekeidat", "SY", 35.0, 40.0, "import", 1),
                                      ("Jadid Ekeidat", "SY", 35.21, 40.41, "analyst", 1)]
    store.update("b", {"properties": {"summary": "checked"}})  # not a correction of the place
    store.delete("b")
    assert learned(store) == [("Jadid Ekeidat", "SY", 35.21, 40.41, "analyst", 1)]
    store.delete("a")
    assert learned(store) == [("Jadid Ekeidat", "SY", 35.21, 40.41, "analyst", 1)]


def test_a_renamed_placed_incident_teaches_the_new_name(store):
    store.add(point("a", "Hajin", 40.83, 34.69, gazetteer_id="geonames:174506"))
    store.update("a", {"location": "Hajin al-Sharqi"})
    assert learned(store) == [("Hajin al-Sharqi", "SY", 34.69, 40.83, "analyst", 1)]


def test_removing_a_learned_place(store):
    store.add_many([point("a", "Jadid Ekeidat", 40.41, 35.21),
                    point("b", "Jadid Ekeidat", 39.0, 34.0, country="IQ"),
                    point("c", "Tell Quwayrat", 40.5533, 35.0417)])
    assert store.remove_learned_place("jadid ekeidat", "IQ") == 1
    assert [(p.name, p.country) for p in store.learned_places()] == [
        ("Jadid Ekeidat", "SY"), ("Tell Quwayrat", "SY")]
    assert store.remove_learned_place("JADID EKEIDAT") == 1
    assert store.remove_learned_place("Nowhere") == 0
    assert [p.name for p in store.learned_places()] == ["Tell Quwayrat"]


def test_learned_places_move_with_the_store(store_factory):
    first = store_factory("first")
    first.add(point("a", "Jadid Ekeidat", 40.41, 35.21))
    assert [p.name for p in store_factory("first").learned_places()] == ["Jadid Ekeidat"]
    assert store_factory("second").learned_places() == []


def test_learned_places_added_as_given_keep_their_counts_and_times(store):
    given = LearnedPlace("Tell Quwayrat", "SY", 35.0417, 40.5533, "Deir ez-Zor", "analyst", 3,
                         "2021-03-06T10:00:00Z", "2021-03-09T10:00:00Z")
    assert store.add_learned_places([given]) == 1
    assert store.learned_places() == [given]
    store.add_learned_places([given])
    assert [p.count for p in store.learned_places()] == [6]


def test_migrate_store_moves_learned_places_as_they_are(store_factory):
    from geomap.services.migrate import migrate_store

    source, target = store_factory("source"), store_factory("target")
    source.add_many([point("a", "Jadid Ekeidat", 40.0, 35.0), point("b", "Tell Quwayrat", 40.55, 35.04)])
    source.update("a", {"geometry": {"type": "Point", "coordinates": [40.41, 35.21]}})
    source.remove_learned_place("Tell Quwayrat")
    migrate_store(source, target)
    assert target.learned_places() == source.learned_places()
    assert learned(target) == [("Jadid Ekeidat", "SY", 35.21, 40.41, "analyst", 1)]
