"""Accounts and roles on the server: the CLI, hashes, tokens, sessions, CSRF, the login throttle."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from click.testing import CliRunner

from geomap.cli import main
from geomap.services.accounts import MAX_FAILURES
from tests.incident_samples import sample
from tests.web_support import ID, TOKEN, assert_error
from tests.workspace_support import PASSWORD, add_users, csrf_of, log_in, session_csrf

DRAFT, PUBLISHED = ID["idlib_airstrike"], ID["mosul_ied"]


@pytest.fixture
def private_app(make_app):
    """An app that shows drafts to analysts and above only (the default)."""
    return make_app(drafts_public=False)


@pytest.fixture
def headers(private_app):
    """The samples stored, and a bearer header per role."""
    from tests.incident_samples import samples

    store = private_app.extensions["geomap"].store
    store.add_many(samples().values())
    return add_users(store)


@pytest.fixture
def client(private_app):
    return private_app.test_client()


# --- the command line -----------------------------------------------------------------

def test_cli_adds_lists_and_issues_revocable_tokens(tmp_path, make_app):
    db, runner = tmp_path / "geomap.sqlite", CliRunner()
    added = runner.invoke(main, ["--db", str(db), "users", "add", "rana", "--role", "editor"],
                          input="a long enough password\n")
    assert added.exit_code == 0, added.output
    runner.invoke(main, ["--db", str(db), "users", "add", "sam", "--role", "viewer"],
                  input="another password\n")
    listed = runner.invoke(main, ["--db", str(db), "users", "list"])
    assert listed.output.splitlines() == ["rana\teditor", "sam\tviewer"]
    token = runner.invoke(main, ["--db", str(db), "users", "token", "rana"]).output.strip()
    assert token.startswith("gm_") and len(token) > 40

    client = make_app(db=db).test_client()
    auth = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/incidents", json=sample("idlib_airstrike"), headers=auth)
    assert response.status_code == 201
    history = client.get(f"/api/incidents/{DRAFT}/history", headers=auth).get_json()
    assert [(v["action"], v["author"]) for v in history["versions"]] == [("create", "rana")]

    revoked = runner.invoke(main, ["--db", str(db), "users", "token", "rana", "--revoke"])
    assert revoked.exit_code == 0 and "revoked 1" in revoked.output
    assert_error(client.post(f"/api/incidents/{DRAFT}/publish", headers=auth), 401)


def test_cli_refuses_a_short_password_and_an_unknown_role(tmp_path):
    db, runner = tmp_path / "geomap.sqlite", CliRunner()
    short = runner.invoke(main, ["--db", str(db), "users", "add", "x", "--role", "analyst"],
                          input="short\n")
    assert short.exit_code == 2 and "password" in short.output
    role = runner.invoke(main, ["--db", str(db), "users", "add", "x", "--role", "boss"], input="")
    assert role.exit_code == 2 and "boss" in role.output
    assert runner.invoke(main, ["--db", str(db), "users", "list"]).output == ""


def test_set_role_and_remove(tmp_path, make_app):
    db, runner = tmp_path / "geomap.sqlite", CliRunner()
    runner.invoke(main, ["--db", str(db), "users", "add", "lee", "--role", "viewer"],
                  input=f"{PASSWORD}\n")
    assert runner.invoke(main, ["--db", str(db), "users", "set-role", "lee", "analyst"]).exit_code == 0
    assert runner.invoke(main, ["--db", str(db), "users", "list"]).output == "lee\tanalyst\n"
    assert runner.invoke(main, ["--db", str(db), "users", "remove", "lee"]).exit_code == 0
    gone = runner.invoke(main, ["--db", str(db), "users", "remove", "lee"])
    assert gone.exit_code == 2 and "no user 'lee'" in gone.output


# --- what is kept ------------------------------------------------------------------------

def test_passwords_are_salted_argon2_and_tokens_kept_as_digests(private_app, headers):
    store = private_app.extensions["geomap"].store
    from geomap.services.accounts import add_user

    add_user(store, "twin", "viewer", PASSWORD)
    hashes = {store.find_user(name)["password_hash"] for name in ("viewer", "twin")}
    assert len(hashes) == 2  # the same password, two salts
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    token = headers["analyst"]["Authorization"].split()[1]
    with sqlite3.connect(store.path) as conn:
        dump = "\n".join(conn.iterdump())
    assert token not in dump and PASSWORD not in dump
    assert "$argon2id$" in dump


# --- roles on every route ---------------------------------------------------------------

def _new_draft() -> dict:
    feature = sample("idlib_airstrike")
    feature["properties"]["event_date"] = "2022-01-04"
    return feature


#: Every state-changing route of the API: (who may, method, path, body).
WRITES = [
    ("analyst", "post", "/api/incidents", _new_draft),
    ("analyst", "patch", f"/api/incidents/{DRAFT}", lambda: {"fatalities": 6}),
    ("editor", "delete", f"/api/incidents/{DRAFT}", lambda: None),
    ("editor", "post", f"/api/incidents/{DRAFT}/publish", lambda: None),
    ("editor", "post", f"/api/incidents/{DRAFT}/reject", lambda: {"reason": "not an incident"}),
    ("editor", "post", f"/api/incidents/{DRAFT}/revert", lambda: {"version": 1}),
    ("editor", "post", "/api/incidents/merge", lambda: {"ids": [PUBLISHED, ID["erbil_missiles"]]}),
]


@pytest.mark.parametrize(("least", "method", "path", "body"), WRITES)
def test_every_write_needs_a_login_and_the_right_role(client, headers, least, method, path, body):
    send = getattr(client, method)
    assert_error(send(path, json=body()), 401)
    assert_error(send(path, json=body(), headers=headers["viewer"]), 403)
    analyst = send(path, json=body(), headers=headers["analyst"])
    if least == "editor":
        assert_error(analyst, 403)
    else:
        assert analyst.status_code in (200, 201), analyst.get_data(as_text=True)
    editor = send(path, json=body(), headers=headers["editor"])
    assert editor.status_code in (200, 201, 204), editor.get_data(as_text=True)


def test_analysts_edit_drafts_but_neither_publish_nor_touch_published(client, headers):
    analyst = headers["analyst"]
    assert_error(client.patch(f"/api/incidents/{DRAFT}", json={"status": "published"},
                              headers=analyst), 403)
    assert_error(client.patch(f"/api/incidents/{PUBLISHED}", json={"fatalities": 4},
                              headers=analyst), 403)
    born_published = sample("idlib_airstrike")
    born_published["properties"].update(status="published", event_date="2022-01-05")
    assert_error(client.post("/api/incidents", json=born_published, headers=analyst), 403)
    assert client.patch(f"/api/incidents/{DRAFT}", json={"fatalities": 6},
                        headers=analyst).status_code == 200


def test_the_service_token_still_writes(client, headers):
    service = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post(f"/api/incidents/{DRAFT}/publish", headers=service).status_code == 200
    wrong = client.post(f"/api/incidents/{DRAFT}/publish", headers={"Authorization": "Bearer nope"})
    assert_error(wrong, 401)


# --- who sees what ------------------------------------------------------------------------

def test_viewers_and_anonymous_see_published_only(client, headers):
    def ids(extra=None):
        body = client.get("/api/layers/incidents/features", headers=extra or {}).get_json()
        return {f["id"] for f in body["features"]}
    published = {ID["erbil_missiles"], ID["baghdad_protest"], PUBLISHED}
    assert ids() == ids(headers["viewer"]) == published
    assert DRAFT in ids(headers["analyst"]) and len(ids(headers["analyst"])) == 6
    assert_error(client.get(f"/api/incidents/{DRAFT}"), 404)
    assert client.get(f"/api/incidents/{DRAFT}", headers=headers["analyst"]).status_code == 200
    ogc = client.get("/ogc/collections/incidents/items").get_json()
    assert {f["id"] for f in ogc["features"]} == published
    answer = client.get("/api/layers/incidents/features", headers=headers["analyst"])
    assert "private" in answer.headers["Cache-Control"] and "Cookie" in answer.headers["Vary"]


def test_layer_counts_tell_of_no_draft_the_reader_cannot_open(client, headers):
    def counts(extra=None):
        layers = client.get("/api/layers", headers=extra or {}).get_json()
        collection = client.get("/ogc/collections", headers=extra or {}).get_json()
        ogc = {c["id"]: c for c in collection["collections"]}
        count = next(layer["count"] for layer in layers if layer["id"] == "incidents")
        return count, ogc["incidents"]["description"]
    assert counts() == counts(headers["viewer"]) == (3, "3 incidents")  # the published samples
    assert counts(headers["analyst"]) == (6, "6 incidents")


def test_a_login_required_server_redirects_and_refuses_anonymous(make_app):
    app = make_app(require_login=True)
    add_users(app.extensions["geomap"].store)
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert_error(client.get("/api/layers"), 401)
    assert client.get("/login").status_code == 200
    assert log_in(client, "viewer").status_code == 303
    assert client.get("/").status_code == 200
    assert client.get("/api/layers").status_code == 200


# --- sessions -----------------------------------------------------------------------------

def test_login_sets_a_hardened_session_cookie_and_goes_back(client, headers):
    response = log_in(client, "analyst", next="/workspace")
    assert response.status_code == 303 and response.headers["Location"] == "/workspace"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/session").get_json()["role"] == "analyst"
    elsewhere = log_in(client, "analyst", next="//evil.example/")
    assert elsewhere.headers["Location"] == "/"


def test_the_cookie_is_secure_over_tls_or_when_configured(private_app, make_app, headers):
    tls = private_app.test_client()
    token = csrf_of(tls, "https://localhost/login")
    response = tls.post("https://localhost/login", headers={"Referer": "https://localhost/login"},
                        data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]
    always = make_app(drafts_public=False, cookie_secure="1").test_client()
    assert "Secure" in log_in(always, "editor").headers["Set-Cookie"]


def test_writes_with_the_session_cookie_need_the_csrf_token(client, headers):
    log_in(client, "editor")
    refused = client.post(f"/api/incidents/{DRAFT}/publish")
    assert_error(refused, 400)
    assert "CSRF" in refused.get_json()["message"]
    assert client.post(f"/api/incidents/{DRAFT}/publish", headers=session_csrf(client)).status_code == 200
    forged = client.post("/login", data={"username": "editor", "password": PASSWORD})
    assert forged.status_code == 400


def test_logout_and_role_changes_end_sessions(private_app, client, headers):
    log_in(client, "editor")
    assert client.get("/session").get_json()["user"] == "editor"
    csrf = session_csrf(client)["X-CSRFToken"]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/session").get_json()["user"] is None
    log_in(client, "editor")
    from geomap.services.accounts import set_role

    set_role(private_app.extensions["geomap"].store, "editor", "viewer")
    assert client.get("/session").get_json()["user"] is None  # must log in again


def test_a_burst_of_failed_logins_is_slowed_logged_and_shared(private_app, make_app, headers,
                                                              caplog):
    client = private_app.test_client()
    with caplog.at_level(logging.WARNING, logger="geomap.accounts"):
        for _ in range(MAX_FAILURES):
            failed = log_in(client, "editor", "wrong password!")
            assert failed.status_code == 401
            assert "wrong user name or password" in failed.get_data(as_text=True)
        throttled = log_in(client, "editor")  # the right password, too late
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert sum("failed login for 'editor'" in r.getMessage() for r in caplog.records) == MAX_FAILURES
    other_process = make_app(drafts_public=False).test_client()  # same store, another app
    assert log_in(other_process, "editor").status_code == 429
    assert log_in(client, "analyst").status_code == 429  # the address waits, whatever the name


def test_a_session_made_by_one_worker_is_honoured_by_another(private_app, make_app, headers):
    """Without GEOMAP_SECRET_KEY the signing key is kept in the store, shared by every worker."""
    first = make_app(drafts_public=False, secret_key="").test_client()
    log_in(first, "editor")
    cookie = first.get_cookie("geomap_session").value
    second_worker = make_app(drafts_public=False, secret_key="").test_client()  # same store
    second_worker.set_cookie("geomap_session", cookie)
    assert second_worker.get("/session").get_json()["user"] == "editor"
    other_key = make_app(drafts_public=False, secret_key="a configured key, not the store's")
    forged = other_key.test_client()
    forged.set_cookie("geomap_session", cookie)
    assert forged.get("/session").get_json()["user"] is None
