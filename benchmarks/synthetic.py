"""Synthetic but plausible incidents over Iraq and Syria, for benchmarks and demos.

    python benchmarks/synthetic.py 10000 benchmarks/out/synthetic.geojson [--seed 0]

``synthetic_incidents(n, seed)`` yields parsed, valid features; the same seed gives the
same features. Events cluster around real towns, as reported incidents do.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson

from geomap.incident import EVENT_TYPES, parse_feature

#: (name, country, admin1, lon, lat, weight): weight ~ how often it is in the news.
PLACES = (
    ("Baghdad", "IQ", "Baghdad", 44.3661, 33.3152, 30),
    ("Mosul", "IQ", "Nineveh", 43.1189, 36.3450, 20),
    ("Kirkuk", "IQ", "Kirkuk", 44.3922, 35.4681, 10),
    ("Erbil", "IQ", "Erbil", 44.0092, 36.1911, 8),
    ("Basra", "IQ", "Basra", 47.7804, 30.5085, 6),
    ("Fallujah", "IQ", "Al Anbar", 43.7794, 33.3500, 8),
    ("Ramadi", "IQ", "Al Anbar", 43.3015, 33.4258, 8),
    ("Tikrit", "IQ", "Salah ad Din", 43.6869, 34.6071, 6),
    ("Samarra", "IQ", "Salah ad Din", 43.8761, 34.1959, 5),
    ("Baqubah", "IQ", "Diyala", 44.6553, 33.7466, 6),
    ("Sinjar", "IQ", "Nineveh", 41.8696, 36.3209, 3),
    ("Tal Afar", "IQ", "Nineveh", 42.4507, 36.3744, 3),
    ("Ain al-Asad", "IQ", "Al Anbar", 42.4412, 33.7856, 3),
    ("Al-Qa'im", "IQ", "Al Anbar", 41.0434, 34.3688, 3),
    ("Sulaymaniyah", "IQ", "Sulaymaniyah", 45.4329, 35.5613, 3),
    ("Aleppo", "SY", "Aleppo", 37.1612, 36.2021, 25),
    ("Idlib", "SY", "Idlib", 36.6339, 35.9306, 25),
    ("Damascus", "SY", "Damascus", 36.2765, 33.5138, 15),
    ("Homs", "SY", "Homs", 36.7233, 34.7324, 8),
    ("Hama", "SY", "Hama", 36.7500, 35.1318, 8),
    ("Raqqa", "SY", "Ar-Raqqa", 39.0141, 35.9594, 10),
    ("Deir ez-Zor", "SY", "Deir ez-Zor", 40.1408, 35.3359, 15),
    ("Mayadin", "SY", "Deir ez-Zor", 40.4512, 35.0201, 6),
    ("Green Village", "SY", "Deir ez-Zor", 40.5760, 35.1520, 2),
    ("Al-Bukamal", "SY", "Deir ez-Zor", 40.9173, 34.4534, 5),
    ("Al-Hasakah", "SY", "Al-Hasakah", 40.7477, 36.5024, 6),
    ("Qamishli", "SY", "Al-Hasakah", 41.2310, 37.0522, 4),
    ("Daraa", "SY", "Daraa", 36.1062, 32.6189, 10),
    ("Manbij", "SY", "Aleppo", 37.9522, 36.5281, 5),
    ("Palmyra", "SY", "Homs", 38.2684, 34.5601, 3),
)
ACTORS = (
    "Islamic State (Iraq)", "Islamic State (Syria)", "Military Forces of Iraq (2020-)",
    "Military Forces of Syria (2000-)", "Popular Mobilization Forces",
    "SDF: Syrian Democratic Forces", "HTS: Hayat Tahrir al Sham", "Civilians (Syria)",
    "Civilians (Iraq)", "Unidentified Armed Group (Iraq)", "Unidentified Armed Group (Syria)",
    "Military Forces of Turkey (2016-)", "Military Forces of the United States (2021-)",
    "Protesters (Iraq)", "Police Forces of Iraq (2020-)",
)
TYPE_WEIGHTS = {"Battles": 20, "Explosions/Remote violence": 35, "Violence against civilians": 15,
                "Protests": 15, "Riots": 5, "Strategic developments": 10}
VERBS = {"Battles": "clashed with", "Explosions/Remote violence": "struck positions of",
         "Violence against civilians": "attacked", "Protests": "demonstrated against",
         "Riots": "rioted against", "Strategic developments": "reported activity involving"}
FIRST_DAY, DAYS = date(2018, 1, 1), 7 * 365


def synthetic_incidents(n: int, seed: int = 0) -> Iterator[dict]:
    """Yield ``n`` valid, parsed incident features, the same ones for the same seed."""
    rng = random.Random(seed)
    weights = [place[-1] for place in PLACES]
    types, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    for number in range(n):
        place = rng.choices(PLACES, weights)[0]
        kind = rng.choices(types, type_weights)[0]
        yield parse_feature(_raw(rng, number, seed, place, kind), now=_created(rng))


def _raw(rng: random.Random, number: int, seed: int, place: tuple, kind: str) -> dict:
    name, country, admin1, lon, lat, _ = place
    spread = rng.choice((0.02, 0.1, 0.4))
    lon, lat = round(rng.gauss(lon, spread), 5), round(rng.gauss(lat, spread), 5)
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    actor1, actor2 = rng.sample(ACTORS, 2)
    fatalities = rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 12, None))
    text = (f"{actor1} {VERBS[kind]} {actor2} near {name} ({admin1}) on {day:%d %B %Y}; "
            f"{'no' if not fatalities else fatalities} deaths were reported.")
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "event_date": day.isoformat(), "time_precision": rng.choice((1, 1, 1, 2, 3)),
                "event_type": kind, "sub_event_type": rng.choice(EVENT_TYPES[kind]),
                "actor1": actor1, "actor2": actor2, "fatalities": fatalities,
                "injuries": rng.choice((None, 0, 1, 4)), "location": name,
                "location_mention": name, "country": country, "admin1": admin1,
                "geo_precision": 1 if spread < 0.05 else rng.choice((2, 3)),
                "summary": text, "quote": f"Local sources said that {text[0].lower()}{text[1:]}",
                "source": {"title": f"Daily security report {day}", "publisher": "Synthetic Wire",
                           "url": f"https://example.org/reports/{seed}/{number}",
                           "published": (day + timedelta(days=1)).isoformat(),
                           "document": f"synthetic-{seed}-{number}.txt"},
                "status": rng.choice(("draft", "published", "published"))}}


def _created(rng: random.Random) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(86400 * 365))


def main(argv: list[str] | None = None) -> None:
    """Write a GeoJSON FeatureCollection of synthetic incidents."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("wb") as out:
        out.write(b'{"type": "FeatureCollection", "features": [\n')
        for number, feature in enumerate(synthetic_incidents(args.n, args.seed)):
            out.write((b",\n" if number else b"") + orjson.dumps(feature))
        out.write(b"\n]}\n")


if __name__ == "__main__":
    main()
