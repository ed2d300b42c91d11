"""Writes under ``/api/incidents``: create, edit, delete, publish, reject, revert, merge.

Each view checks the user's role on the server (``require``), parses the body and calls
``geomap.services.review``, which writes in one transaction and keeps the history.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from flask import Response, jsonify, request, url_for

from geomap.errors import ValidationError
from geomap.incident import parse_feature
from geomap.services import review
from geomap.web.api import bp, geojson_response
from geomap.web.auth import current_user, require
from geomap.web.state import app_state


@bp.post("/incidents")
@require("edit_drafts")
def create_incidents():
    """Store a Feature or a FeatureCollection; 201 with what is stored."""
    features, single = parse_new_features(read_json_object())
    stored = review.create(app_state().store, current_user(), features)  # all or nothing
    body = stored[0] if single else {"type": "FeatureCollection", "features": stored}
    response = geojson_response(body, 201)
    response.headers["Location"] = url_for(".incident", incident_id=stored[0]["id"])
    return response


@bp.patch("/incidents/<incident_id>")
@require("edit_drafts")
def update_incident(incident_id: str):
    """Merge a patch into an incident's properties (and replace its geometry if given)."""
    return geojson_response(review.edit(app_state().store, current_user(), incident_id, read_json_object()))


@bp.delete("/incidents/<incident_id>")
@require("publish")
def delete_incident(incident_id: str):
    """Remove an incident (its last version stays in the history)."""
    review.delete(app_state().store, current_user(), incident_id)
    return Response(status=204, headers={"Cache-Control": "no-store"})


@bp.post("/incidents/<incident_id>/publish")
@require("publish")
def publish_incident(incident_id: str):
    """Publish a draft; the published incident."""
    return geojson_response(review.publish(app_state().store, current_user(), incident_id))


@bp.post("/incidents/<incident_id>/reject")
@require("publish")
def reject_incident(incident_id: str):
    """Reject an incident with ``{"reason": ...}``; it leaves the map, its history keeps it."""
    reason = read_json_object().get("reason")
    review.reject(app_state().store, current_user(), incident_id, reason)
    return jsonify({"id": incident_id, "action": "reject", "reason": reason.strip()})


@bp.post("/incidents/<incident_id>/revert")
@require("publish")
def revert_incident(incident_id: str):
    """Make version ``{"version": N}`` current again (a new version)."""
    version = read_json_object().get("version")
    return geojson_response(review.revert(app_state().store, current_user(), incident_id, version))


@bp.post("/incidents/merge")
@require("publish")
def merge_incidents():
    """Merge ``{"ids": [...]}`` into the first; the survivor, which keeps every source."""
    ids = read_json_object().get("ids")
    return geojson_response(review.merge(app_state().store, current_user(), ids))


# --- parsing ----------------------------------------------------------------------------

def read_json_object() -> dict:
    """The request body as a JSON object, or ValidationError naming ``body``."""
    try:
        body = orjson.loads(request.get_data(cache=False))
    except orjson.JSONDecodeError as error:
        raise ValidationError("body", f"is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValidationError("body", f"must be a JSON object, not {type(body).__name__}")
    return body


def parse_new_features(body: Mapping) -> tuple[list[dict], bool]:
    """(parsed features, whether one Feature was sent) of a POST body."""
    if body.get("type") != "FeatureCollection":
        return [parse_feature(body)], True
    items = body.get("features")
    if not isinstance(items, list) or not items:
        raise ValidationError("features", "must be a non-empty list of Features")
    return [_parse_item(item, number) for number, item in enumerate(items)], False


def _parse_item(item: object, number: int) -> dict:
    try:
        return parse_feature(item)
    except ValidationError as error:
        raise ValidationError(f"features[{number}].{error.field}", error.message) from None
