-- Accounts, API tokens and failed logins live beside the incidents, so that every worker
-- process sees the same users and the same login throttle.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'editor', 'admin')),
    password_hash TEXT,            -- argon2id (argon2-cffi); NULL: token-only account
    session_epoch INTEGER NOT NULL DEFAULT 1,  -- bumped to end every session of the user
    created_at    TEXT NOT NULL
);

-- Only a SHA-256 digest of each token is kept: the token itself is shown once.
CREATE TABLE api_tokens (
    digest     TEXT PRIMARY KEY,
    name       TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX api_tokens_name ON api_tokens (name);

CREATE TABLE login_failures (
    name TEXT NOT NULL,
    at   TEXT NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at);

-- History, widened: review actions and a reason. A row with a feature keeps the version an
-- action replaced or removed; a row without one says who created (or restored) the next.
CREATE TABLE incident_history_new (
    hid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('create', 'update', 'publish', 'revert',
                                                'merge', 'delete', 'reject', 'merged')),
    author      TEXT,
    recorded_at TEXT NOT NULL,
    reason      TEXT,
    feature     TEXT
);
INSERT INTO incident_history_new (hid, id, action, author, recorded_at, feature)
SELECT hid, id, action, author, recorded_at, feature FROM incident_history;
DROP TABLE incident_history;
ALTER TABLE incident_history_new RENAME TO incident_history;
CREATE INDEX incident_history_id ON incident_history (id, hid);

-- An incident merged into another answers with a redirect to it.
CREATE TABLE incident_redirects (
    id       TEXT PRIMARY KEY,
    survivor TEXT NOT NULL
) WITHOUT ROWID;
