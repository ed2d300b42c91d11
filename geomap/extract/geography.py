"""How a report's place names contain one another, read from the words between them.

"Kani Masi (Amadiya)", "the Barwari Bala region of Dahuk", "Cukurca district of Hakkari",
"Khur Maksar district in Aden city", "Cigli, Izmir" and ACLED-style compounds such as
"Aden-Kraytar" all name a place inside a larger one, and "Harib, south of the city of
Marib" one beside a town that locates it. The larger one steers the
resolution of the smaller, and when the smaller is in no index it is where the
incident falls back to (``geo_precision`` 3 for a province, 2 for a town), flagged
for review.

>>> [(m.text, c) for m, c in split_compound("Aden-Kraytar", 10)]
[('Kraytar', 'Aden')]
"""

from __future__ import annotations

import re

# Words between two names that make the second contain the first.
_CONTAINS = re.compile(
    r"^(?:\s*\(\s*"                                           # Kani Masi (Amadiya)
    r"|\s*,\s*(?:in\s+)?"                                     # Cigli, Izmir; X, in Kirkuk
    r"|\s*,?\s+in\s+(?:the\s+)?(?:(?:north|south|east|west|central|rural)\w*\s+)?"
    r"(?:countryside|outskirts|suburbs?|parts?|areas?|region|district|province|governorate)\s+of\s+(?:the\s+)?"
    r"|\s+(?:village|town|area)?\s*near\s+(?:the\s+)?(?:town\s+of\s+|village\s+of\s+)?"  # X near Y
    r"|\s*,?\s+(?:\d+\s*km\s+)?(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\s+(?:the\s+)?"
    r"(?:(?:city|town|village)\s+of\s+)?"                   # X, west of the city of Y
    r"|\s+(?:and\s+[\w' -]{1,40}\s+)?(?:areas?|regions?|district|sub-?district|countryside|outskirts|"
    r"suburbs?|neighbou?rhood|province|governorate|city|town|village)?\s*(?:of|in)\s+(?:the\s+)?"
    r"(?:(?:northern|southern|eastern|western|central|rural)\s+)?)$", re.I)
_OF_SPLIT = re.compile(r"\s+of\s+(?:the\s+)?")
# A capitalised name joined to another by a hyphen, as ACLED writes a neighbourhood of a city.
_COMPOUND = re.compile(r"^([A-Z][\w'’]+(?: [A-Z][\w'’]+)?)-([A-Z][\w'’]+(?: [A-Z][\w'’]+)*)$")
MAX_GAP = 40
_POSSESSIVE_GAP = re.compile(r"^['’]s\s+$")
_LIST_GOES_ON = re.compile(r"\s*(?:,|and\b|or\b)", re.I)


def contains(between: str) -> bool:
    """True when the words between two names put the first inside the second."""
    return len(between) <= MAX_GAP and bool(_CONTAINS.match(between))


def link_containers(sentence: str, mentions: list) -> None:
    """Set each mention's ``container`` to the name right after it that contains it."""
    ordered = sorted(mentions, key=lambda m: m.start)
    for index, (inner, outer) in enumerate(zip(ordered, ordered[1:], strict=False)):
        between = sentence[inner.end:outer.start]
        if inner.container is not None or not contains(between):
            continue
        # "Sinjar, Tal Afar and Rabia" is a list, not Sinjar inside Tal Afar.
        if between.strip() == "," and _LIST_GOES_ON.match(sentence, outer.end):
            continue
        inner.container = outer
        # "X in Iraq's Diyala province": the province, inside the country, contains X.
        after = ordered[index + 2] if index + 2 < len(ordered) else None
        if after is not None and _POSSESSIVE_GAP.match(sentence[outer.end:after.start]):
            inner.container = after
    for outer, inner in zip(ordered, ordered[1:], strict=False):
        # "Jerusalem's Bet Shemesh": the town is in the larger place named before it.
        if inner.container is None and _POSSESSIVE_GAP.match(sentence[outer.end:inner.start]):
            inner.container = outer


def split_compound(text: str, start: int):
    """("Kraytar" as a mention, "Aden") for "Aden-Kraytar"; nothing for other names."""
    from geomap.extract.mentions import Mention

    match = _COMPOUND.match(text)
    if not match or match.group(1).lower() in ("al", "el", "ad", "ar", "as", "an", "az", "ash"):
        return []
    inner = match.group(2)
    return [(Mention(inner, start + match.start(2), start + match.end(2)), match.group(1))]


def split_of(text: str) -> tuple[str, str] | None:
    """("Bat Galim Square", "Haifa city") for "Bat Galim Square of Haifa city", else None."""
    parts = _OF_SPLIT.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0] and parts[1] else None
