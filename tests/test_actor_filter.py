"""The actor filter finds every spelling the actor table knows, through the one read path."""

from geomap.query import IncidentQuery
from geomap.services import incidents
from geomap.store import open_store


def feature(actor1, day):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [44.36, 33.31]},
            "properties": {"event_date": day, "time_precision": 1, "event_type": "Explosions/Remote violence",
                           "sub_event_type": "Shelling/artillery/missile attack", "actor1": actor1,
                           "location": "Baghdad", "country": "IQ", "geo_precision": 1,
                           "summary": "Rockets fell near the airport."}}


def test_actor_filter_matches_the_variants_of_the_name_asked_for(tmp_path):
    store = open_store(tmp_path / "incidents.sqlite")
    store.add_many([feature("Kata'ib Hezbollah", "2024-01-03"), feature("Kataib Hezbollah", "2024-01-02"),
                    feature("Kata’ib Hizballah", "2024-01-01"), feature("Hezbollah", "2024-01-04")])
    for asked in ("Kataib Hezbollah", "kata'ib hezbollah", "Kataib Hizballah"):
        page = incidents.get_page(store, IncidentQuery(actor=asked))
        assert page.matched == 3, asked
        assert incidents.count_matches(store, IncidentQuery(actor=asked)) == 3
    # Hezbollah's own spellings (Hizballah) are substrings of the militia's too.
    assert incidents.count_matches(store, IncidentQuery(actor="hezbollah")) == 4
    # A text the table does not know is a plain substring.
    assert incidents.count_matches(store, IncidentQuery(actor="kata")) == 3
    store.close()
