"""Realistic incidents in Iraq and Syria, as an extractor or an analyst would write them.

``samples()`` returns fresh raw features (not yet parsed), so tests may change them.
"""

from __future__ import annotations

import copy
import importlib.util
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SEED_SOURCE = {
    "title": "Iran, Iraq's top diplomats will meet after repeated attacks on US troops",
    "publisher": "Example News",
    "url": "https://example.org/2022/04/08/iran-iraq-diplomats",
    "published": "2022-04-08",
    "document": "seeds/iran-iraq-diplomats.md",
}


def _feature(lon, lat, **properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties}


_SAMPLES = {
    "green_village": _feature(
        40.576, 35.152, event_date="2022-04-07", event_time="21:40", time_precision=1,
        event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
        actor1="Unidentified Armed Group (Syria)",
        actor2="Military Forces of the United States (2021-)", fatalities=0, injuries=4,
        location="Green Village", location_mention="Green Village", country="SY",
        admin1="Deir ez-Zor", geo_precision=1, gazetteer_id="site:green-village",
        summary="Rockets struck the coalition base at Green Village near the al-Omar oil field; "
                "four US service members were treated for minor injuries.",
        quote="Four U.S. service members were being evaluated for minor injuries after rockets "
              "struck the Green Village base in northeast Syria late on Thursday.",
        source=SEED_SOURCE),
    "mayadin_launch_site": _feature(
        40.452, 35.020, event_date="2022-04-07", time_precision=1, event_type="Battles",
        sub_event_type="Armed clash", actor1="Military Forces of the United States (2021-)",
        actor2="Unidentified Armed Group (Syria)", fatalities=None, location="Mayadin",
        location_mention="Mayadin", country="SY", admin1="Deir ez-Zor", geo_precision=2,
        gazetteer_id="geonames:167046",
        summary="Coalition forces fired on the rocket launch site near Mayadin.",
        quote="Coalition forces responded with artillery fire at the launch point near Mayadin.",
        source=SEED_SOURCE),
    "erbil_missiles": _feature(
        44.0092, 36.1911, event_date="2022-03-13", event_time="01:00", time_precision=1,
        event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
        actor1="Military Forces of Iran (1989-) Islamic Revolutionary Guard Corps",
        actor2="Civilians (Iraq)", fatalities=0, injuries=1, location="Erbil",
        location_mention="Arbil", country="IQ", admin1="Erbil", geo_precision=1,
        gazetteer_id="geonames:95446",
        summary="Twelve ballistic missiles hit near the US consulate and a residential area "
                "of Erbil; one civilian was wounded.",
        quote="A dozen ballistic missiles struck Erbil early on Sunday, wounding one civilian.",
        source={"title": "Missiles strike Erbil", "publisher": "Example Wire",
                "url": "https://example.org/2022/03/13/erbil", "published": "2022-03-13",
                "document": "reports/erbil-2022-03-13.txt"},
        status="published"),
    "baghdad_protest": _feature(
        44.3850, 33.3430, event_date="2022-04-01", time_precision=2, event_type="Protests",
        sub_event_type="Peaceful protest", actor1="Protesters (Iraq)", actor2=None,
        fatalities=0, location="Baghdad", location_mention="Tahrir Square", country="IQ",
        admin1="Baghdad", geo_precision=2, gazetteer_id="geonames:98182",
        summary="Hundreds demonstrated in Tahrir Square against power cuts.",
        quote="Hundreds gathered in Baghdad's Tahrir Square to protest against power cuts.",
        source={"title": "Protest over power cuts", "publisher": "Example Wire",
                "url": "https://example.org/2022/04/01/baghdad",
                "document": "reports/baghdad-2022-04-01.txt"},
        status="published"),
    "mosul_ied": _feature(
        43.1189, 36.3450, event_date="2022-02-20", time_precision=1,
        event_type="Explosions/Remote violence", sub_event_type="Remote explosive/landmine/IED",
        actor1="Islamic State (Iraq)", actor2="Military Forces of Iraq (2020-)", fatalities=3,
        injuries=2, location="Mosul", location_mention="western Mosul", country="IQ",
        admin1="Nineveh", geo_precision=2, gazetteer_id="geonames:99072",
        summary="A roadside bomb hit an army patrol in western Mosul, killing three soldiers.",
        quote="Three soldiers were killed when an improvised explosive device hit their patrol.",
        source={"title": "Bomb kills soldiers in Mosul", "publisher": "Example Wire",
                "url": "https://example.org/2022/02/20/mosul", "published": "2022-02-20",
                "document": "reports/mosul-2022-02-20.txt"},
        status="published"),
    "idlib_airstrike": _feature(
        36.6339, 35.9306, event_date="2022-01-02", time_precision=1,
        event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
        actor1="Military Forces of Russia (2000-)", actor2="Civilians (Syria)", fatalities=5,
        location="Idlib", location_mention="Idleb", country="SY", admin1="Idlib",
        geo_precision=1, gazetteer_id="geonames:169389",
        summary="Airstrikes on a water station near Idlib city killed five civilians, "
                "including children.",
        quote="Russian warplanes struck the Arshani water station west of Idlib, killing "
              "five civilians, among them children.",
        source={"title": "Strikes on Idlib water station", "publisher": "Example Wire",
                "url": "https://example.org/2022/01/02/idlib", "published": "2022-01-03",
                "document": "reports/idlib-2022-01-02.txt"}),
}


def samples() -> dict[str, dict]:
    """Fresh copies of every sample, by name."""
    return copy.deepcopy(_SAMPLES)


def sample(name: str) -> dict:
    """A fresh copy of one sample."""
    return copy.deepcopy(_SAMPLES[name])


@cache
def load_synthetic():
    """benchmarks/synthetic.py, the benchmarks' generator of plausible incidents, as a module
    (loaded by path: pysbd installs a top-level ``benchmarks`` package that shadows it)."""
    spec = importlib.util.spec_from_file_location("geomap_bench_synthetic",
                                                  ROOT / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
