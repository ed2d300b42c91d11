"""What a report's words say of its countries: nationalities, and names that are a place's own.

A nationality names a country, but more often who acted ("Turkish strikes on ...") than where;
only before a place noun ("the Syrian countryside", "Iraqi territory") does it say where.
An alternate name in another language or an old one is not a place's own name: a report
writing it more often means another place.

>>> [code for code, of_place in nationalities("Turkish jets struck the Iraqi countryside.") if of_place]
['IQ']
"""

from __future__ import annotations

import re

from geomap.gazetteer import normalize

# Adjectives of nationality: they name a country ("the Syrian city of ...") but are not places.
DEMONYMS = {"iraqi": "IQ", "syrian": "SY", "iranian": "IR", "lebanese": "LB", "jordanian": "JO",
            "yemeni": "YE", "turkish": "TR", "israeli": "IL", "saudi": "SA", "egyptian": "EG",
            "libyan": "LY", "palestinian": "PS", "kuwaiti": "KW", "emirati": "AE", "afghan": "AF",
            "kurdish": None, "arab": None, "persian": None, "american": "US", "russian": "RU",
            "druze": None, "alawite": None, "sunni": None, "shia": None, "shiite": None, "yazidi": None,
            "christian": None, "bedouin": None, "baluch": None, "houthi": None}
_DEMONYM = re.compile(r"\b(" + "|".join(DEMONYMS) + r")\b(?!-)", re.I)
# "the northeastern Syrian city of", "the Iraqi town of": the adjective places what follows.
DEMONYM_OF_PLACE = re.compile(r"\b(" + "|".join(DEMONYMS) + r")\s+(?:[a-z-]+\s+){0,2}(?:city|town|village|"
                              r"province|governorate|capital|region|district|countryside|desert)\s+of\s+$",
                              re.I)
# "the Syrian countryside", "Iraqi territory": a nationality that says where a place is. Before
# other words ("Turkish forces", "Iraqi police") it names who acted, not where.
_OF_PLACE_AFTER = re.compile(r"\s+(?:[a-z-]+\s+){0,2}(?:city|cities|town|towns|village|villages|province|"
                             r"governorate|capital|region|district|countryside|desert|territory|territories|"
                             r"side|soil|coast|island|port|waters|airspace|kurdistan)\b", re.I)
LANDMARK_POPULATION = 50_000
DROPPED_KIND_SCORE = 0.95  # the gazetteer: its own name once "province" is set aside
_BORDER = re.compile(r"\s+(?:border|frontier)\b", re.I)


def nationalities(sentence: str):
    """(country, True when it says where a place is) for each nationality word in a sentence."""
    for match in _DEMONYM.finditer(sentence):
        code = DEMONYMS[match.group(1).lower()]
        # "near the Iranian border" says where the place is not.
        if code and not _BORDER.match(sentence, match.end()):
            yield code, bool(_OF_PLACE_AFTER.match(sentence, match.end()))


def own_name(text: str, place: dict) -> bool:
    """True when the text is the place's own name in some romanisation, kind words aside.

    An alternate name in another language or an old one ("Hamas" for Hamm, "Berea" for
    Aleppo) is not: a report writing it more often means another place.
    """
    written, own = normalize.split_kind(text)[0], normalize.split_kind(place["name"])[0]
    return (normalize.loose_form(written) == normalize.loose_form(own)
            or normalize.skeleton_of_normal(written) == normalize.skeleton_of_normal(own))


def is_landmark(text: str, match: dict) -> bool:
    """A place that tells which country a report is about: a province, a large town, a learned place."""
    if match["feature"] == "division":
        return match["score"] >= DROPPED_KIND_SCORE and own_name(text, match)
    large = (match.get("population") or 0) >= LANDMARK_POPULATION
    well_known = large or match["source"].startswith("learned:")
    return match["score"] >= DROPPED_KIND_SCORE and well_known and own_name(text, match)
