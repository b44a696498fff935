-- Turnout schema, version 2: web sessions and public sign-up links.

-- A signed-in browser. The cookie carries a random token; only its hash is
-- kept. The CSRF token is echoed by the UI in a header on unsafe methods.
CREATE TABLE session (
  id            INTEGER PRIMARY KEY,
  token_hash    BLOB NOT NULL UNIQUE,
  account_id    INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  csrf_token    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);
CREATE INDEX session_account ON session(account_id);

-- The link a coordinator shares for public sign-up to one meeting. It is
-- public by design (it only shows open places, never names), so it is kept
-- as is and shown to coordinators again; rotating it retires the old link.
ALTER TABLE meeting ADD COLUMN signup_token TEXT;
CREATE UNIQUE INDEX meeting_signup_token ON meeting(signup_token) WHERE signup_token IS NOT NULL;
UPDATE meeting SET signup_token = 'su_' || lower(hex(randomblob(16))) WHERE signup_token IS NULL;
