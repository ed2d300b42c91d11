"""Review of incidents: create, edit, publish, reject, delete, revert and merge, by role.

Each function checks the user's role (``geomap.services.accounts``) and records the user
as the author of the change; the web layer and the CLI call these, never the store's
writes directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from geomap.errors import ValidationError
from geomap.incident import SOURCE_FIELDS, parse_feature
from geomap.services.accounts import ForbiddenError, User, require
from geomap.services.history import get_version
from geomap.store import IncidentStore

MAX_REASON = 1000
MAX_MERGE = 20


def create(store: IncidentStore, user: User, features: Iterable[Mapping]) -> list[dict]:
    """Store new incidents, all or none; only an editor may create them already published."""
    require(user, "edit_drafts")
    parsed = [parse_feature(feature) for feature in features]
    for feature in parsed:
        _check_status_change(user, "draft", feature["properties"]["status"])
    return store.add_all(parsed, author=user.name)


def edit(store: IncidentStore, user: User, incident_id: str, patch: Mapping) -> dict:
    """Apply a patch; analysts edit drafts only, and only editors change the status.

    A corrected place teaches the gazetteer the name as written (the store's learned places).
    """
    require(user, "edit_drafts")
    stored = store.get(incident_id)
    status = stored["properties"]["status"]
    if status == "published":
        require(user, "publish")
    changes = patch.get("properties", patch) if isinstance(patch, Mapping) else {}
    if isinstance(changes, Mapping) and changes.get("status") not in (None, status):
        _check_status_change(user, status, changes["status"])
    return store.update(incident_id, patch, author=user.name)


def publish(store: IncidentStore, user: User, incident_id: str) -> dict:
    """Mark an incident published."""
    require(user, "publish")
    return store.update(incident_id, {"status": "published"}, author=user.name, action="publish")


def reject(store: IncidentStore, user: User, incident_id: str, reason: object) -> None:
    """Take an incident off the map, keeping it and the reason in its history."""
    require(user, "publish")
    store.delete(incident_id, author=user.name, action="reject", reason=parse_reason(reason))


def delete(store: IncidentStore, user: User, incident_id: str) -> None:
    """Delete an incident (its last version stays in the history)."""
    require(user, "publish")
    store.delete(incident_id, author=user.name)


def revert(store: IncidentStore, user: User, incident_id: str, number: object) -> dict:
    """Make an earlier version current again, as a new version (restoring a removed one)."""
    require(user, "publish")
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValidationError("version", f"must be a version number, not {number!r}")
    target = get_version(store, incident_id, number)["feature"]
    if target is None:
        raise ValidationError("version", f"version {number} is a removal; revert to the one before")
    current = store.find(incident_id)
    if current is None:
        return store.add(target, author=user.name, action="revert")
    cleared = {key: None for key in current["properties"] if key not in target["properties"]}
    patch = {"geometry": target["geometry"], "properties": {**cleared, **target["properties"]}}
    return store.update(incident_id, patch, author=user.name, action="revert")


def merge(store: IncidentStore, user: User, ids: object) -> dict:
    """Merge incidents into the first id, which keeps every source and quote; the others redirect."""
    require(user, "publish")
    ids = parse_ids(ids)
    features = [store.get(incident_id) for incident_id in ids]
    return store.merge(ids[0], merged_patch(features), ids[1:], author=user.name)


def merged_patch(features: list[dict]) -> dict:
    """The survivor's new properties: every source with its quote, and blanks filled from the others."""
    survivor, others = features[0]["properties"], [f["properties"] for f in features[1:]]
    sources, seen = [], set()
    for props in (survivor, *others):
        for source in props.get("sources") or [_quoted(props)]:
            key = tuple(source.get(name) for name in (*SOURCE_FIELDS, "quote"))
            if key not in seen:
                seen.add(key)
                sources.append(source)
    filled = {name: next((p[name] for p in others if p.get(name) is not None), None)
              for name, value in survivor.items() if value is None}
    return {**{k: v for k, v in filled.items() if v is not None}, "sources": sources,
            "source": sources[0] if survivor.get("source") is None else survivor["source"]}


def _quoted(props: Mapping) -> dict:
    source = dict(props.get("source") or {})
    if props.get("quote"):
        source["quote"] = props["quote"]
    source.setdefault("incident", props["id"])
    return source


def parse_ids(value: object) -> list[str]:
    """Two to MAX_MERGE distinct incident ids."""
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise ValidationError("ids", "must be a list of incident ids")
    ids = list(dict.fromkeys(value))
    if not 2 <= len(ids) <= MAX_MERGE:
        raise ValidationError("ids", f"must name 2 to {MAX_MERGE} different incidents")
    return ids


def parse_reason(value: object) -> str:
    """A rejection's reason: required, at most MAX_REASON characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("reason", "is required: say why the incident is rejected")
    if len(value) > MAX_REASON:
        raise ValidationError("reason", f"is {len(value):,} characters; the limit is {MAX_REASON}")
    return value.strip()


def _check_status_change(user: User, before: str, after: object) -> None:
    if after == "published" and before != "published" and not user.can("publish"):
        raise ForbiddenError(f"{user.name} ({user.role}) may not publish: that needs the "
                             "editor role")

