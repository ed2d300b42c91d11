-- Accounts, API token digests and failed logins, as SQLite's migration 005 keeps them.
CREATE TABLE users (
    name          text COLLATE "C" PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('viewer', 'analyst', 'editor', 'admin')),
    password_hash text,
    session_epoch integer NOT NULL DEFAULT 1,
    created_at    text NOT NULL
);

CREATE TABLE api_tokens (
    digest     text PRIMARY KEY,
    name       text COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at text NOT NULL
);
CREATE INDEX api_tokens_name ON api_tokens (name);

CREATE TABLE login_failures (
    name text NOT NULL,
    at   text NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at);

-- History, widened: review actions and a reason; a row without a feature says who created
-- (or restored) the version after it.
ALTER TABLE incident_history DROP CONSTRAINT incident_history_action_check;
ALTER TABLE incident_history ADD CONSTRAINT incident_history_action_check CHECK (action IN
    ('create', 'update', 'publish', 'revert', 'merge', 'delete', 'reject', 'merged'));
ALTER TABLE incident_history ALTER COLUMN feature DROP NOT NULL;
ALTER TABLE incident_history ADD COLUMN reason text;

CREATE TABLE incident_redirects (
    id       text COLLATE "C" PRIMARY KEY,
    survivor text COLLATE "C" NOT NULL
);
