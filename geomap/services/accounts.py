"""Accounts: roles and what each may do, argon2 password hashes, API tokens, login throttle.

The web layer and the CLI both call this; neither hashes, compares or counts by itself.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geomap.errors import GeomapError, ValidationError
from geomap.incident import format_timestamp
from geomap.store import IncidentStore

SESSION_KEY_NAME = "session-key"

log = logging.getLogger("geomap.accounts")

#: Roles from least to most trusted; each may do everything the ones before it may.
ROLES = ("viewer", "analyst", "editor", "admin")


@dataclass(frozen=True)
class Permission:
    """One thing a user may do, and the least role that may do it."""

    name: str
    role: str
    help: str


PERMISSIONS = {p.name: p for p in (
    Permission("read", "viewer", "see published incidents"),
    Permission("read_drafts", "analyst", "see drafts on the map and in the review queue"),
    Permission("edit_drafts", "analyst", "create, edit and import drafts"),
    Permission("publish", "editor", "publish, reject, delete, merge, revert, edit published"),
    Permission("manage_users", "admin", "add and remove users, set roles, issue tokens"),
)}
#: Failed logins within FAILURE_WINDOW after which a name (or address) must wait.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
TOKEN_PREFIX = "gm_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HASHER = PasswordHasher()


class ForbiddenError(GeomapError):
    """The user's role does not allow what was asked."""


class ThrottledError(GeomapError):
    """Too many failed logins: wait ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class User:
    """Who is asking: a stored user, the service token, or nobody (role None)."""

    name: str | None
    role: str | None
    via: str = "anonymous"  # session, token, service or anonymous

    def can(self, permission: str) -> bool:
        """Whether the role grants ``permission`` (a key of PERMISSIONS)."""
        return self.role is not None and rank(self.role) >= rank(PERMISSIONS[permission].role)


ANONYMOUS = User(None, None)


def rank(role: str) -> int:
    """0 for viewer up to 3 for admin."""
    return ROLES.index(role)


def require(user: User, permission: str) -> None:
    """ForbiddenError unless the user may do ``permission``."""
    if not user.can(permission):
        needed = PERMISSIONS[permission].role
        raise ForbiddenError(f"{user.name or 'anonymous'} ({user.role or 'no role'}) may not "
                             f"{PERMISSIONS[permission].help}: that needs the {needed} role")


def parse_role(value: object, field: str = "role") -> str:
    """One of ROLES."""
    if value not in ROLES:
        raise ValidationError(field, f"must be one of {', '.join(ROLES)}, not {value!r}")
    return value


def parse_user_name(value: object, field: str = "name") -> str:
    """A user name: letters, digits and ``._@-``, at most 64 characters."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValidationError(field, "must be 1-64 letters, digits or ._@- (starting with a "
                              f"letter or digit), not {value!r}")
    return value


def parse_password(value: object, field: str = "password") -> str:
    """A password of MIN_PASSWORD to MAX_PASSWORD characters."""
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise ValidationError(field, f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return value


def add_user(store: IncidentStore, name: str, role: str, password: str | None) -> dict:
    """Create a user with an argon2id hash of the password (None: token-only)."""
    name, role = parse_user_name(name), parse_role(role)
    digest = _HASHER.hash(parse_password(password)) if password is not None else None
    return store.add_user(name, role, digest)


def set_role(store: IncidentStore, name: str, role: str) -> dict:
    """Change a user's role and end their open sessions."""
    return store.update_user(name, role=parse_role(role), end_sessions=True)


def set_password(store: IncidentStore, name: str, password: str) -> dict:
    """Change a user's password and end their open sessions."""
    digest = _HASHER.hash(parse_password(password))
    return store.update_user(name, password_hash=digest, end_sessions=True)


def session_key(store: IncidentStore, configured: str) -> str:
    """The key that signs session cookies: the configured one, else one kept in the store.

    Kept in the store so that every worker and host behind a load balancer signs alike and
    sessions outlive a restart, without a setting to get right first.
    """
    return configured or store.shared_secret(SESSION_KEY_NAME)


def issue_token(store: IncidentStore, name: str) -> str:
    """A new API token for the user; only its digest is kept, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.add_token(name, token_digest(token))
    return token


def token_digest(token: str) -> str:
    """SHA-256 of a token: enough for 256 random bits, and fast on every request."""
    return hashlib.sha256(token.encode()).hexdigest()


def find_token_user(store: IncidentStore, token: str) -> User | None:
    """The user a bearer token belongs to, or None."""
    found = store.find_token_user(token_digest(token))
    return User(found["name"], found["role"], "token") if found else None


def check_login(store: IncidentStore, name: str, password: str, address: str) -> dict:
    """The stored user when the password is right; ValidationError or ThrottledError if not.

    Failures are kept in the store (every worker process shares the count) under the name
    and the client address; past MAX_FAILURES in FAILURE_WINDOW both must wait.
    """
    keys = (f"user:{name}"[:200], f"addr:{address}"[:200])
    _check_throttle(store, keys)
    user = store.find_user(name) if _NAME.fullmatch(name or "") else None
    if _verify(user["password_hash"] if user else None, password):
        store.clear_login_failures(keys[0])
        return user
    now = format_timestamp()
    for key in keys:
        store.note_login_failure(key, now)
    log.warning("failed login for %r from %s", name[:64], address)
    raise ValidationError("password", "wrong user name or password")


def _check_throttle(store: IncidentStore, keys: tuple[str, ...]) -> None:
    since = format_timestamp(datetime.now(UTC) - FAILURE_WINDOW)
    if any(store.count_login_failures(key, since) >= MAX_FAILURES for key in keys):
        log.warning("login refused after repeated failures: %s", ", ".join(keys))
        raise ThrottledError(f"too many failed logins; try again in "
                             f"{int(FAILURE_WINDOW.total_seconds() // 60)} minutes",
                             int(FAILURE_WINDOW.total_seconds()))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown: a wrong name costs what a wrong password does."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def visible_query(query, user: User, drafts_public: bool = False):
    """The query limited to published incidents unless the user may see drafts."""
    if drafts_public or user.can("read_drafts"):
        return query
    return dataclasses.replace(query, statuses=("published",))


def may_see(feature: dict, user: User, drafts_public: bool = False) -> bool:
    """Whether one incident is visible to the user."""
    published = feature["properties"].get("status") == "published"
    return published or drafts_public or user.can("read_drafts")
