"""The analyst's workspace: login and logout, the review page, imports, permalinks.

Views parse, call a service (accounts, review, imports) and respond; roles are checked by
``geomap.web.auth`` and again in the services.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf

from geomap.errors import ValidationError
from geomap.geometry import representative_point
from geomap.incident import EVENT_TYPES
from geomap.services import history, imports
from geomap.services.accounts import ThrottledError, check_login, may_see
from geomap.web.auth import check, current_user, drafts_public, sign_in, sign_out
from geomap.web.state import app_state

bp = Blueprint("workspace", __name__, template_folder="templates")

MAX_NEXT = 2000


@bp.get("/login")
def login_form():
    """The sign-in form."""
    return _login_page()


@bp.post("/login")
def login():
    """Check ``username`` and ``password``; start a session and go back where the user was."""
    name, password = request.form.get("username", ""), request.form.get("password", "")
    try:
        stored = check_login(app_state().store, name.strip(), password, request.remote_addr or "-")
    except ThrottledError as error:
        response = _login_page(str(error), 429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except ValidationError as error:
        return _login_page(error.message, 401)
    sign_in(stored)
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/logout")
def logout():
    """End the session."""
    sign_out()
    return redirect(url_for("pages.index"), 303)


@bp.get("/session")
def session_info():
    """Who is signed in, their role and the CSRF token the page sends with its writes."""
    user = current_user()
    response = jsonify({"user": user.name, "role": user.role, "csrf_token": generate_csrf(),
                        "can": {name: user.can(name) for name in
                                ("read_drafts", "edit_drafts", "publish", "manage_users")},
                        "drafts_public": drafts_public()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/workspace")
def workspace():
    """The review queue, editor, history and import: analysts and above."""
    if current_user().role is None:
        return redirect(url_for(".login_form", next=request.full_path.rstrip("?")))
    check("edit_drafts")
    settings = app_state().settings
    return render_template("workspace/workspace.html", tile_url=settings.tile_url,
                           tile_attribution=settings.tile_attribution,
                           event_types_json=json.dumps({k: list(v) for k, v in EVENT_TYPES.items()}))


@bp.get("/incidents/<incident_id>")
def permalink(incident_id: str):
    """The incident's stable page: a small map, every property, sources, quote and history."""
    store = app_state().store
    feature = store.find(incident_id)
    if feature is None:
        survivor = store.find_redirect(incident_id)
        if survivor is not None:
            return redirect(url_for(".permalink", incident_id=survivor), 301)
        abort(404)
    user = current_user()
    if not may_see(feature, user, drafts_public()):
        abort(404)
    lon, lat = representative_point(feature["geometry"])
    versions = history.list_versions(store, incident_id)
    settings = app_state().settings
    return render_template("workspace/incident.html", feature=feature, props=feature["properties"],
                           sources=feature["properties"].get("sources")
                           or [feature["properties"].get("source") or {}],
                           versions=versions, lon=lon, lat=lat, tile_url=settings.tile_url,
                           tile_attribution=settings.tile_attribution)


@bp.post("/api/import")
def import_upload():
    """Import a pasted report (form field ``text``) or an uploaded ``file``; the ingest summary."""
    user = check("edit_drafts")
    state = app_state()
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        summary = imports.import_file(state.store, user, upload.filename, upload.read(),
                                      lambda: state.gazetteer, state.settings.default_status)
    else:
        summary = imports.import_text(state.store, user, request.form.get("text", ""),
                                      request.form, lambda: state.gazetteer,
                                      state.settings.default_status)
    return jsonify({**summary.to_dict(), "lines": summary.lines()})


def safe_next(target: str | None) -> str:
    """A path on this site to go back to; anything else (another host, a scheme) goes home.

    >>> safe_next("/workspace?q=1"), safe_next("//evil.example/"), safe_next("https://x/")
    ('/workspace?q=1', '/', '/')
    """
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > MAX_NEXT:
        return "/"
    return target


def _login_page(error: str | None = None, status: int = 200) -> Response:
    body = render_template("workspace/login.html", error=error,
                           next=safe_next(request.values.get("next")),
                           username=request.form.get("username", ""))
    response = Response(body, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
