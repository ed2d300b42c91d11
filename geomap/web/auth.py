"""Who is asking, and whether they may: bearer tokens, the session cookie, CSRF, roles.

Every write route goes through ``require``; the identity of a request is found once, here.
A request with ``Authorization: Bearer`` is judged by its token alone (no cookie, so no
CSRF); one that relies on the session cookie must carry the CSRF token (Flask-WTF).
"""

from __future__ import annotations

import functools
import hmac

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from geomap.services.accounts import ANONYMOUS, User, find_token_user, session_key
from geomap.services.accounts import require as require_permission
from geomap.web.state import app_state

REALM = "geomap"
SERVICE_USER = "api"  # the author of changes made with GEOMAP_API_TOKEN
SERVICE_ROLE = "editor"
SESSION_COOKIE = "geomap_session"
#: Endpoints an anonymous user reaches even when the page requires a login.
OPEN_ENDPOINTS = frozenset(("workspace.login", "workspace.login_form", "workspace.session_info",
                            "static", "pages.vendor"))
csrf = CSRFProtect()


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure when the request came over TLS (or always)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """The Secure flag by GEOMAP_COOKIE_SECURE: auto follows the request's scheme."""
        setting = app_state().settings.cookie_secure.strip().lower()
        if setting == "auto":
            return request.is_secure
        return setting in ("1", "true", "yes", "on")


def init_auth(app: Flask) -> None:
    """Session cookie flags, CSRF protection and the login-required gate."""
    state = app_state_of(app)
    app.config.update(SECRET_KEY=session_key(state.store, state.settings.secret_key),
                      SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_CHECK_DEFAULT=False,
                      WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=False)
    app.session_interface = SessionCookies()
    csrf.init_app(app)
    app.before_request(_gate)


def app_state_of(app: Flask):
    """The AppState of ``app`` outside a request."""
    from geomap.web.state import EXTENSION

    return app.extensions[EXTENSION]


def _gate():
    user = current_user()
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and (user.via == "session" or request.endpoint == "workspace.login"):
        csrf.protect()
    if app_state().settings.require_login and user.role is None \
            and request.endpoint not in OPEN_ENDPOINTS:
        if request.path.startswith(("/api/", "/ogc")):
            raise _unauthorized("this server requires a login or an API token")
        return redirect(url_for("workspace.login_form", next=request.full_path.rstrip("?")))
    return None


def current_user() -> User:
    """The user of this request, found once: bearer token, else session cookie, else anonymous."""
    if "geomap_user" not in g:
        g.geomap_user = _identify()
    return g.geomap_user


def _identify() -> User:
    header = request.headers.get("Authorization")
    if header is not None:
        return _bearer_user(header)
    name = session.get("user")
    if name is None:
        return ANONYMOUS
    stored = app_state().store.find_user(name)
    if stored is None or stored["session_epoch"] != session.get("epoch"):
        session.clear()  # removed, role changed, password changed, or logged out everywhere
        return ANONYMOUS
    return User(stored["name"], stored["role"], "session")


def _bearer_user(header: str) -> User:
    scheme, _, given = header.strip().partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        raise _unauthorized("send the API token as 'Authorization: Bearer <token>'")
    service = app_state().settings.api_token
    if service and hmac.compare_digest(given.encode(), service.encode()):
        return User(SERVICE_USER, SERVICE_ROLE, "service")
    user = find_token_user(app_state().store, given)
    if user is None:
        raise _unauthorized("the bearer token is wrong or revoked", "invalid_token")
    return user


def require(permission: str):
    """A view decorator: 401 for nobody, 403 when the role does not grant ``permission``."""
    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            check(permission)
            return view(*args, **kwargs)
        return guarded
    return decorate


def check(permission: str) -> User:
    """The current user, once they may do ``permission``; 401 or 403 otherwise."""
    user = current_user()
    if user.role is None:
        raise _unauthorized("sign in, or send an API token as 'Authorization: Bearer <token>'")
    require_permission(user, permission)
    return user


def sign_in(stored: dict) -> None:
    """Start a session for a user whose password was checked (a fresh session id: no fixation)."""
    session.clear()
    session.update(user=stored["name"], epoch=stored["session_epoch"])
    session.permanent = False
    g.geomap_user = User(stored["name"], stored["role"], "session")


def sign_out() -> None:
    """End this browser's session."""
    session.clear()
    g.geomap_user = ANONYMOUS


def _unauthorized(message: str, error: str | None = None) -> Unauthorized:
    values = {"realm": REALM, **({"error": error} if error else {})}
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer", values))


def drafts_public() -> bool:
    """Whether the server shows drafts to everyone (GEOMAP_DRAFTS_PUBLIC)."""
    return current_app.extensions["geomap"].settings.drafts_public


def personal() -> bool:
    """Whether this request was answered for a signed-in user or a token (not for everyone)."""
    user = g.get("geomap_user")
    return user is not None and user.role is not None
