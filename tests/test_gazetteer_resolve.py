"""Resolution of place names as reports write them, against the full built-in gazetteer."""

import pytest
from geopy.distance import geodesic

from geomap.gazetteer import normalize

# (as the seed report writes it, gazetteer id, expected point, km tolerance)
SEED_NAMES = [
    ("Ain al-Assad", "icao:ORAA", (33.79, 42.44), 3),
    ("Ain al-Assad Air Base", "icao:ORAA", (33.79, 42.44), 3),
    ("Deir Azor", "geonames:170794", (35.336, 40.141), 3),
    ("al-Anbar", "iso3166-2:IQ-AN", (32.79, 41.61), 30),
    ("al-Anbar province", "iso3166-2:IQ-AN", (32.79, 41.61), 30),
    ("Baghdad International Airport", "icao:ORBI", (33.2625, 44.2346), 3),
    ("Green Village", "site:green-village", (35.152, 40.576), 3),
    ("Deir Azor province", "iso3166-2:SY-DY", (35.14, 40.21), 30),
]

# Report spellings that are not verbatim names in the data (checked below), without a hint.
SPELLINGS = [
    ("Fellujah", "geonames:99454"), ("Ramadee", "geonames:98717"), ("Tiqrit", "geonames:90150"),
    ("Kirquk", "geonames:94787"), ("Mosoul", "geonames:99072"), ("Bakubah", "geonames:97990"),
    ("Nassiriyah", "geonames:98854"), ("Hadeetha", "geonames:96309"), ("Sinjer", "geonames:448149"),
    ("Al-Hawija", "geonames:390188"), ("Duhouk", "geonames:96994"), ("Zakhou", "geonames:89570"),
    ("Karbalah", "geonames:94824"), ("Suleymaniyah", "geonames:98463"), ("Sulaimaniyah", "geonames:98463"),
    ("Hilleh", "geonames:99347"), ("Khanakin", "geonames:94591"), ("Umm Qassr", "geonames:89824"),
    ("Maiadin", "geonames:173480"), ("Albou Kamal", "geonames:174448"), ("Albu Kemal", "geonames:174448"),
    ("Hassakah", "geonames:173811"), ("Qameeshli", "geonames:173377"), ("Qemishli", "geonames:173377"),
    ("Idleeb", "geonames:169389"), ("Manbeej", "geonames:167357"), ("Kobanee", "geonames:172256"),
    ("Palmyrah", "geonames:163808"), ("Besra", "geonames:99532"), ("Latakiah", "geonames:173576"),
    ("Deraah", "geonames:170905"), ("Tartuss", "geonames:163345"), ("Houms", "geonames:169577"),
    ("Damascous", "geonames:170654"), ("Kermenshah", "geonames:128226"), ("Kermansha", "geonames:128226"),
    ("Tabreez", "geonames:113646"), ("Meshhad", "geonames:124665"), ("Sheeraz", "geonames:115019"),
    ("Boushehr", "geonames:139817"), ("Qoum", "geonames:119208"), ("Hemadan", "geonames:132144"),
    ("Urmiah", "geonames:121801"), ("Zahadan", "geonames:1159301"), ("Khorremshahr", "geonames:127319"),
    ("Dazful", "geonames:136256"), ("Issfahan", "geonames:418863"), ("Tehren", "geonames:112931"),
    ("Tebqa", "geonames:172374"), ("Hesakah", "geonames:173811"),
]

# Ambiguous or contested spellings that an analyst settles with a country hint.
HINTED = [
    ("Tripoli", "LB", "geonames:266826"), ("Tripoli", "LY", "geonames:2210247"),
    ("Al-Kout", "IQ", "geonames:99131"), ("Telafar", "IQ", "geonames:90393"),
    ("Al-Qaem", "IQ", "geonames:92138"), ("Abadan", "IR", "geonames:145459"),
    ("Homs", "LY", "geonames:2219905"), ("Homs", "SY", "geonames:169577"),
]

NOT_PLACES = ["Qassem Soleimani", "Kata'ib Hezbollah", "Wilson Center", "Joe Biden", "Lloyd Austin",
              "Abu Mahdi al-Muhandis", "Popular Mobilization Forces", "Dana Straul"]


@pytest.mark.parametrize("query, gazetteer_id, point, km", SEED_NAMES, ids=[s[0] for s in SEED_NAMES])
def test_seed_report_names_resolve_to_the_right_place(gazetteer, query, gazetteer_id, point, km):
    match = gazetteer.resolve(query)["match"]
    assert match["gazetteer_id"] == gazetteer_id, match
    assert geodesic(point, (match["lat"], match["lon"])).km < km
    assert match["score"] >= 0.8


def test_bassel_al_assad_airport_is_not_ain_al_asad(gazetteer):
    answer = gazetteer.resolve("Bassel al-Assad airport")
    assert answer["match"]["gazetteer_id"] == "icao:OSLK"
    assert answer["match"]["country"] == "SY"
    ain_al_asad = gazetteer.resolve("Ain al-Asad air base")
    assert "icao:OSLK" not in [c["gazetteer_id"] for c in ain_al_asad["candidates"]]


@pytest.mark.parametrize("query, gazetteer_id", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_report_spellings_resolve(gazetteer, query, gazetteer_id):
    match = gazetteer.resolve(query)["match"]
    assert match is not None and match["gazetteer_id"] == gazetteer_id, match


def test_spellings_are_not_verbatim_names_in_the_data(gazetteer):
    conn = gazetteer._resolver.conn
    verbatim = [
        query for query, gazetteer_id in SPELLINGS
        if conn.execute("SELECT count(*) FROM names n JOIN places p ON p.id = n.place"
                        " WHERE p.gid = ? AND n.norm = ?",
                        (gazetteer_id, normalize.normal_form(query))).fetchone()[0]
    ]
    assert len(SPELLINGS) >= 40
    assert verbatim == []


@pytest.mark.parametrize("query, country, gazetteer_id", HINTED, ids=[f"{q}-{c}" for q, c, _ in HINTED])
def test_country_hint_decides_ambiguous_names(gazetteer, query, country, gazetteer_id):
    match = gazetteer.resolve(query, country=country)["match"]
    assert match["gazetteer_id"] == gazetteer_id
    assert match["country"] == country


@pytest.mark.parametrize("query", NOT_PLACES)
def test_names_of_people_and_groups_are_not_places(gazetteer, query):
    answer = gazetteer.resolve(query)
    assert answer["match"] is None or answer["match"]["score"] < 0.5
    assert all(c["score"] < 0.6 for c in answer["candidates"])


def test_answer_has_the_design_shape(gazetteer):
    answer = gazetteer.resolve("Deir Azor")
    assert answer["query"] == "Deir Azor"
    assert 1 <= len(answer["candidates"]) <= 5
    for candidate in answer["candidates"]:
        keys = {"name", "lat", "lon", "country", "admin1", "feature", "gazetteer_id", "score", "why"}
        assert keys <= set(candidate)
        assert 0 <= candidate["score"] <= 1 and candidate["why"]
    assert answer["match"] == answer["candidates"][0]
    assert answer["match"]["admin1"] == "Deir ez-Zor"
    assert "transliteration" in answer["match"]["why"]


def test_kind_words_steer_between_a_city_and_its_airport_or_province(gazetteer):
    assert gazetteer.resolve("Baghdad")["match"]["feature"] == "city"
    assert gazetteer.resolve("Baghdad airport")["match"]["gazetteer_id"] == "icao:ORBI"
    assert gazetteer.resolve("Baghdad province")["match"]["gazetteer_id"] == "iso3166-2:IQ-BG"


def test_arabic_script_and_codes_resolve(gazetteer):
    assert gazetteer.resolve("دير الزور")["match"]["gazetteer_id"] == "geonames:170794"
    assert gazetteer.resolve("ORAA")["match"]["gazetteer_id"] == "icao:ORAA"


def test_curated_sites_carry_their_source(gazetteer):
    place = gazetteer.get_place("site:green-village")
    assert place["source"].startswith("curated:") and place["country"] == "SY"
    sites = {site["gazetteer_id"] for site in gazetteer.iter_sites()}
    assert {"site:green-village", "icao:ORAA", "icao:ORBI"} <= sites


def test_places_carry_their_governorate(gazetteer):
    assert gazetteer.resolve("Fallujah")["match"]["admin1"] == "Al Anbar"
    assert gazetteer.resolve("Homs", country="SY")["match"]["admin1"] == "Homs"
    assert gazetteer.resolve("Isfahan")["match"]["admin1"] == "Isfahan"


def test_context_point_prefers_the_nearer_namesake(gazetteer):
    near_lebanon = gazetteer.resolve("Tripoli", near=(33.9, 35.5))["match"]
    assert near_lebanon["country"] == "LB"


def test_empty_and_oversized_queries_are_answered_without_a_match(gazetteer):
    assert gazetteer.resolve("   ")["match"] is None
    assert gazetteer.resolve("x" * 10_000)["match"] is None
