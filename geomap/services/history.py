"""An incident's versions, numbered from 1, with author, time and a field-by-field diff.

The store keeps history rows (see ``IncidentStore.history``): a row with a feature is the
version its action replaced or removed, a row without one says who created or restored the
version after it. This module turns them, and the current feature, into versions.
"""

from __future__ import annotations

from collections.abc import Mapping

from geomap.errors import ValidationError
from geomap.store import IncidentStore

#: Actions after which the incident is no longer in the store.
REMOVALS = frozenset(("delete", "reject", "merged"))
#: Properties that change with every version, so the diff leaves them out.
UNDIFFED = frozenset(("updated_at",))


def list_versions(store: IncidentStore, incident_id: str) -> list[dict]:
    """Every version, oldest first: version, action, author, at, reason, feature, changes.

    A deletion, rejection or merge is a version too, whose feature is None.
    """
    versions, pending, previous = [], None, None
    for row in store.history(incident_id):
        if row["feature"] is None:
            pending = _meta(row)
            continue
        versions.append(_version(len(versions) + 1, row["feature"], pending, previous))
        previous, pending = row["feature"], _meta(row)
        if row["action"] in REMOVALS:
            versions.append({"version": len(versions) + 1, **pending, "feature": None,
                             "changes": []})
            previous = pending = None
    current = store.find(incident_id)
    if current is not None:
        versions.append(_version(len(versions) + 1, current, pending, previous))
    return versions


def _meta(row: Mapping) -> dict:
    return {"action": row["action"], "author": row["author"], "at": row["recorded_at"],
            "reason": row.get("reason")}


def _version(number: int, feature: dict, meta: dict | None, previous: dict | None) -> dict:
    if meta is None:  # written before authors were recorded, or imported in bulk
        meta = {"action": "create", "author": None,
                "at": feature["properties"].get("created_at"), "reason": None}
    return {"version": number, **meta, "feature": feature,
            "changes": diff(previous, feature) if previous is not None else []}


def diff(before: Mapping, after: Mapping) -> list[dict]:
    """The fields that differ: ``geometry`` and each property, as field, before, after."""
    changes = []
    if before["geometry"] != after["geometry"]:
        changes.append({"field": "geometry", "before": before["geometry"],
                        "after": after["geometry"]})
    old, new = before["properties"], after["properties"]
    for key in sorted(old.keys() | new.keys()):
        if key not in UNDIFFED and old.get(key) != new.get(key):
            changes.append({"field": key, "before": old.get(key), "after": new.get(key)})
    return changes


def get_version(store: IncidentStore, incident_id: str, number: int) -> dict:
    """One version by number; ValidationError naming ``version`` when there is none."""
    versions = list_versions(store, incident_id)
    if not 1 <= number <= len(versions):
        raise ValidationError("version", f"{incident_id!r} has versions 1 to {len(versions)}, "
                              f"not {number}")
    return versions[number - 1]
