"""Helpers of the workspace tests: users of every role with their tokens, CSRF-aware login."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher

from geomap.services.accounts import issue_token

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "editor", "admin")


def add_users(store) -> dict[str, str]:
    """A user per role (named after it, e.g. ``analyst``), and each one's bearer header."""
    headers = {}
    for role in ROLES:  # one real argon2id hash, shared: hashing costs half a second
        store.add_user(role, role, password_hash())
        headers[role] = {"Authorization": f"Bearer {issue_token(store, role)}"}
    return headers


def csrf_of(client, path: str = "/login") -> str:
    """The CSRF token a page's form carries."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, name: str, password: str = PASSWORD, **extra):
    """Post the login form as the page does (with its CSRF token); the response."""
    data = {"username": name, "password": password, "csrf_token": csrf_of(client), **extra}
    return client.post("/login", data=data)


def session_csrf(client) -> dict[str, str]:
    """The header the page sends with a write made with the session cookie."""
    return {"X-CSRFToken": client.get("/session").get_json()["csrf_token"]}


@functools.cache
def password_hash() -> str:
    """An argon2id hash of PASSWORD, made once per test run."""
    return PasswordHasher().hash(PASSWORD)
