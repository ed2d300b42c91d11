"""Labels for the offline basemap: gazetteer places chosen by zoom, large ones first."""

from __future__ import annotations

from dataclasses import dataclass

from geomap.gazetteer import Gazetteer

TOWNS = ("city", "town")
SETTLEMENTS = ("city", "town", "village")
SITES = ("airport", "air_base", "military_base", "dam", "border_crossing", "oil_field", "camp")


@dataclass(frozen=True)
class LabelRule:
    """From ``zoom`` on: places of these kinds with at least this population, at most
    ``limit`` in a view, the most populous (then the most important) first."""

    zoom: int
    features: tuple[str, ...]
    min_population: int
    limit: int


#: The first rule whose zoom the map has reached (from the top) decides; divisions are
#: labelled at their representative points by a rule of their own.
LABEL_RULES = (
    LabelRule(zoom=12, features=(*SETTLEMENTS, *SITES), min_population=0, limit=150),
    LabelRule(zoom=10, features=(*SETTLEMENTS, *SITES), min_population=0, limit=120),
    LabelRule(zoom=8, features=SETTLEMENTS, min_population=5_000, limit=100),
    LabelRule(zoom=6, features=TOWNS, min_population=50_000, limit=80),
    LabelRule(zoom=4, features=TOWNS, min_population=300_000, limit=60),
    LabelRule(zoom=0, features=TOWNS, min_population=1_000_000, limit=40),
)
DIVISION_RULE = LabelRule(zoom=5, features=("division",), min_population=0, limit=60)
MAX_DIVISION_ZOOM = 9


def label_rule(zoom: int) -> LabelRule:
    """The rule for a map at ``zoom``.

    >>> label_rule(12).min_population, label_rule(7).min_population, label_rule(2).limit
    (0, 50000, 40)
    """
    return next(rule for rule in LABEL_RULES if zoom >= rule.zoom)


def get_labels(gazetteer: Gazetteer, bbox: tuple[float, float, float, float], zoom: int) -> dict:
    """``{"zoom", "places": [...], "divisions": [...]}``: the labels for a view, each with
    name, lon, lat, feature, population, country (and admin1 for divisions)."""
    rule = label_rule(zoom)
    places = gazetteer.find_places_in(bbox, rule.features, rule.min_population, rule.limit)
    divisions = []
    if DIVISION_RULE.zoom <= zoom <= MAX_DIVISION_ZOOM:
        divisions = gazetteer.find_places_in(bbox, DIVISION_RULE.features, 0, DIVISION_RULE.limit)
    return {"zoom": zoom, "places": places, "divisions": divisions}
