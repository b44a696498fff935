-- Turnout schema, version 4: delivery. What the outbox needs to plan, send,
-- retry and reconcile a message, and the replies people send back.
-- Renumber on merge if another branch took 0004.

-- What a message is about, so the planner can re-plan or cancel it and a
-- reply can find the assignment the last message asked about. No contact
-- data here beyond the recipient column that already exists.
ALTER TABLE outbox_message ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_message ADD COLUMN meeting_id INTEGER REFERENCES meeting(id) ON DELETE SET NULL;
ALTER TABLE outbox_message ADD COLUMN assignment_id INTEGER REFERENCES assignment(id) ON DELETE SET NULL;
ALTER TABLE outbox_message ADD COLUMN offset_minutes INTEGER;
ALTER TABLE outbox_message ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- The recipient's IANA zone: quiet hours are read on their clock.
ALTER TABLE outbox_message ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
-- Earliest moment of the next attempt: due_at at first, later for quiet
-- hours and retries (backoff). The dispatcher sleeps until the smallest.
ALTER TABLE outbox_message ADD COLUMN next_attempt_at INTEGER;
-- Past this moment the message is pointless (the meeting started): cancelled.
ALTER TABLE outbox_message ADD COLUMN expires_at INTEGER;
-- SMS: GSM-7 or UCS-2 and the number of segments the text takes.
ALTER TABLE outbox_message ADD COLUMN encoding TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_message ADD COLUMN segments INTEGER;
ALTER TABLE outbox_message ADD COLUMN sent_at INTEGER;
ALTER TABLE outbox_message ADD COLUMN delivered_at INTEGER;

UPDATE outbox_message SET next_attempt_at = due_at WHERE next_attempt_at IS NULL;

CREATE INDEX outbox_next_attempt ON outbox_message(status, next_attempt_at);
CREATE INDEX outbox_meeting ON outbox_message(meeting_id, status);
CREATE INDEX outbox_assignment ON outbox_message(assignment_id);
CREATE INDEX outbox_provider ON outbox_message(channel, provider_id) WHERE provider_id <> '';
CREATE INDEX outbox_recipient ON outbox_message(channel, recipient, sent_at) WHERE recipient <> '';

-- Replies people send (SMS today, other channels later). The text is the
-- person's own words: it goes with the volunteer when they are erased.
CREATE TABLE inbound_message (
  id            INTEGER PRIMARY KEY,
  group_id      INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  channel       TEXT NOT NULL,
  volunteer_id  INTEGER REFERENCES volunteer(id) ON DELETE CASCADE,
  provider_id   TEXT NOT NULL DEFAULT '',
  body          TEXT NOT NULL DEFAULT '',
  -- opt_out, opt_in, help, confirm, decline, other
  handled_as    TEXT NOT NULL,
  assignment_id INTEGER REFERENCES assignment(id) ON DELETE SET NULL,
  received_at   INTEGER NOT NULL
);
CREATE INDEX inbound_group ON inbound_message(group_id, id);
-- A gateway that retries a webhook (or someone replaying one) is answered
-- once: the provider's message id is seen at most once per channel.
CREATE UNIQUE INDEX inbound_provider ON inbound_message(channel, provider_id) WHERE provider_id <> '';

-- Extra words a group's volunteers use to stop or to say yes (e.g. ALTO,
-- BASTA), beside the standard ones every group has.
CREATE TABLE reply_keyword (
  group_id  INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  word      TEXT NOT NULL CHECK (length(word) BETWEEN 1 AND 40),
  action    TEXT NOT NULL CHECK (action IN ('opt_out', 'opt_in', 'help', 'confirm', 'decline')),
  PRIMARY KEY (group_id, word)
) WITHOUT ROWID;

-- A group's own wording for a message kind in a language, overriding the
-- channel plugin's template (Mustache).
CREATE TABLE message_template (
  group_id  INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  channel   TEXT NOT NULL,
  kind      TEXT NOT NULL,
  language  TEXT NOT NULL,
  body      TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, channel, kind, language)
) WITHOUT ROWID;
