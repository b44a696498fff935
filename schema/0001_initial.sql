-- Turnout schema, version 1.
-- Times are Unix seconds (UTC) in INTEGER columns; each meeting, body, group
-- and volunteer also names its IANA zone for display and local rules.
-- There is no column for immigration status or anything like it, and there
-- never will be: see docs/data.md.

CREATE TABLE "group" (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug          TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9-]*'),
  timezone      TEXT NOT NULL,
  language      TEXT NOT NULL DEFAULT 'en',
  country       TEXT NOT NULL DEFAULT 'US' CHECK (length(country) = 2),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- Reminder rules of a group: minutes before the meeting, per channel.
CREATE TABLE reminder_rule (
  group_id        INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  offset_minutes  INTEGER NOT NULL CHECK (offset_minutes > 0),
  channel         TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
  PRIMARY KEY (group_id, offset_minutes, channel)
) WITHOUT ROWID;

CREATE TABLE account (
  id             INTEGER PRIMARY KEY,
  group_id       INTEGER REFERENCES "group"(id) ON DELETE CASCADE,
  email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name           TEXT NOT NULL DEFAULT '',
  role           TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
  password_hash  TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  -- An admin belongs to no group; everyone else belongs to exactly one.
  CHECK ((role = 'admin') = (group_id IS NULL))
);

CREATE TABLE api_token (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  token_hash    BLOB NOT NULL UNIQUE,
  label         TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);

CREATE TABLE volunteer (
  id               INTEGER PRIMARY KEY,
  group_id         INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  phone            TEXT CHECK (phone IS NULL OR phone GLOB '+[1-9]*'),
  email            TEXT COLLATE NOCASE,
  language         TEXT NOT NULL DEFAULT 'en',
  timezone         TEXT NOT NULL,
  sms_opt_in       INTEGER NOT NULL DEFAULT 0 CHECK (sms_opt_in IN (0, 1)),
  email_opt_in     INTEGER NOT NULL DEFAULT 0 CHECK (email_opt_in IN (0, 1)),
  opted_out_at     INTEGER,
  notes            TEXT NOT NULL DEFAULT '',
  feed_token_hash  BLOB UNIQUE,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
-- One person per number and per address within a group: public sign-up and
-- SMS replies find the volunteer by phone.
CREATE UNIQUE INDEX volunteer_phone ON volunteer(group_id, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX volunteer_email ON volunteer(group_id, email) WHERE email IS NOT NULL;
CREATE INDEX volunteer_group_name ON volunteer(group_id, name);

CREATE TABLE volunteer_tag (
  volunteer_id  INTEGER NOT NULL REFERENCES volunteer(id) ON DELETE CASCADE,
  tag           TEXT NOT NULL,
  PRIMARY KEY (volunteer_id, tag)
) WITHOUT ROWID;
CREATE INDEX volunteer_tag_tag ON volunteer_tag(tag);

CREATE TABLE body (
  id                              INTEGER PRIMARY KEY,
  group_id                        INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  name                            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind                            TEXT NOT NULL CHECK (kind IN ('city_council', 'county_board', 'commission',
                                                                 'committee', 'legislature', 'oversight', 'other')),
  jurisdiction                    TEXT NOT NULL DEFAULT '',
  timezone                        TEXT NOT NULL,
  minutes_per_speaker             INTEGER NOT NULL DEFAULT 2 CHECK (minutes_per_speaker BETWEEN 1 AND 120),
  -- NULL: public sign-up opens as soon as the meeting is published.
  signup_opens_minutes_before     INTEGER CHECK (signup_opens_minutes_before IS NULL OR signup_opens_minutes_before >= 0),
  signup_closes_minutes_before    INTEGER NOT NULL DEFAULT 0,
  remote_allowed                  INTEGER NOT NULL DEFAULT 0 CHECK (remote_allowed IN (0, 1)),
  interpretation_lead_hours       INTEGER NOT NULL DEFAULT 48 CHECK (interpretation_lead_hours >= 0),
  written_limit_words             INTEGER CHECK (written_limit_words IS NULL OR written_limit_words > 0),
  written_deadline_minutes_before INTEGER CHECK (written_deadline_minutes_before IS NULL OR written_deadline_minutes_before >= 0),
  feed_public                     INTEGER NOT NULL DEFAULT 0 CHECK (feed_public IN (0, 1)),
  created_at                      INTEGER NOT NULL,
  updated_at                      INTEGER NOT NULL
);
CREATE INDEX body_group ON body(group_id);

CREATE TABLE meeting (
  id            INTEGER PRIMARY KEY,
  group_id      INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  body_id       INTEGER NOT NULL REFERENCES body(id) ON DELETE CASCADE,
  title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  starts_at     INTEGER NOT NULL,
  ends_at       INTEGER NOT NULL,
  timezone      TEXT NOT NULL,
  location      TEXT NOT NULL DEFAULT '',
  remote_url    TEXT NOT NULL DEFAULT '',
  agenda_url    TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT 'confirmed'
                CHECK (status IN ('tentative', 'confirmed', 'cancelled', 'postponed')),
  sequence      INTEGER NOT NULL DEFAULT 0,
  source        TEXT NOT NULL DEFAULT '',
  external_id   TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX meeting_group_start ON meeting(group_id, starts_at);
CREATE INDEX meeting_body_start ON meeting(body_id, starts_at);
CREATE UNIQUE INDEX meeting_source ON meeting(group_id, source, external_id) WHERE source <> '';

CREATE TABLE agenda_item (
  id          INTEGER PRIMARY KEY,
  meeting_id  INTEGER NOT NULL REFERENCES meeting(id) ON DELETE CASCADE,
  number      TEXT NOT NULL DEFAULT '',
  title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  matter      TEXT NOT NULL DEFAULT '',
  stance      TEXT NOT NULL DEFAULT 'neutral' CHECK (stance IN ('support', 'oppose', 'neutral')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX agenda_item_meeting ON agenda_item(meeting_id);

CREATE TABLE slot (
  id              INTEGER PRIMARY KEY,
  meeting_id      INTEGER NOT NULL REFERENCES meeting(id) ON DELETE CASCADE,
  agenda_item_id  INTEGER REFERENCES agenda_item(id) ON DELETE SET NULL,
  role            TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 40),
  "order"         INTEGER NOT NULL DEFAULT 0,
  minutes         INTEGER NOT NULL DEFAULT 0 CHECK (minutes >= 0),
  mode            TEXT NOT NULL DEFAULT 'in_person' CHECK (mode IN ('in_person', 'remote', 'written')),
  language        TEXT NOT NULL DEFAULT '',
  capacity        INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX slot_meeting ON slot(meeting_id, "order");

-- volunteer_id becomes NULL when a volunteer is erased: the assignment stays
-- so the group's counts (how many spoke) survive with no person behind them.
CREATE TABLE assignment (
  id                 INTEGER PRIMARY KEY,
  slot_id            INTEGER NOT NULL REFERENCES slot(id) ON DELETE CASCADE,
  volunteer_id       INTEGER REFERENCES volunteer(id) ON DELETE SET NULL,
  status             TEXT NOT NULL DEFAULT 'invited'
                     CHECK (status IN ('invited', 'confirmed', 'declined', 'cancelled', 'attended', 'no_show')),
  stance             TEXT CHECK (stance IS NULL OR stance IN ('support', 'oppose', 'neutral')),
  outcome            TEXT CHECK (outcome IS NULL OR outcome IN ('spoke', 'not_called', 'time_ran_out', 'written_submitted')),
  join_url           TEXT NOT NULL DEFAULT '',
  needs_interpreter  TEXT NOT NULL DEFAULT '',
  forced             INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX assignment_slot ON assignment(slot_id, status);
CREATE INDEX assignment_volunteer ON assignment(volunteer_id, status);
-- A person holds a given slot at most once while the place is theirs.
CREATE UNIQUE INDEX assignment_holder ON assignment(slot_id, volunteer_id)
  WHERE status IN ('invited', 'confirmed', 'attended', 'no_show') AND volunteer_id IS NOT NULL;

-- The last line of defence for capacity: whatever code path writes, the
-- database itself refuses a place beyond the slot's capacity.
CREATE TRIGGER assignment_capacity_insert
BEFORE INSERT ON assignment
WHEN NEW.status IN ('invited', 'confirmed', 'attended', 'no_show')
 AND (SELECT count(*) FROM assignment
       WHERE slot_id = NEW.slot_id AND status IN ('invited', 'confirmed', 'attended', 'no_show'))
     >= (SELECT capacity FROM slot WHERE id = NEW.slot_id)
BEGIN
  SELECT RAISE(ABORT, 'turnout: slot full');
END;

CREATE TRIGGER assignment_capacity_update
BEFORE UPDATE OF status ON assignment
WHEN NEW.status IN ('invited', 'confirmed', 'attended', 'no_show')
 AND OLD.status NOT IN ('invited', 'confirmed', 'attended', 'no_show')
 AND (SELECT count(*) FROM assignment
       WHERE slot_id = NEW.slot_id AND status IN ('invited', 'confirmed', 'attended', 'no_show'))
     >= (SELECT capacity FROM slot WHERE id = NEW.slot_id)
BEGIN
  SELECT RAISE(ABORT, 'turnout: slot full');
END;

CREATE TRIGGER slot_capacity_shrink
BEFORE UPDATE OF capacity ON slot
WHEN (SELECT count(*) FROM assignment
       WHERE slot_id = NEW.id AND status IN ('invited', 'confirmed', 'attended', 'no_show')) > NEW.capacity
BEGIN
  SELECT RAISE(ABORT, 'turnout: slot full');
END;

-- Messages waiting to go out, and what became of them. Filled by the
-- delivery layer; kept here so that erasure and backups cover it from day one.
CREATE TABLE outbox_message (
  id               INTEGER PRIMARY KEY,
  group_id         INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  idempotency_key  TEXT NOT NULL UNIQUE,
  channel          TEXT NOT NULL,
  plugin           TEXT NOT NULL DEFAULT '',
  volunteer_id     INTEGER REFERENCES volunteer(id) ON DELETE SET NULL,
  account_id       INTEGER REFERENCES account(id) ON DELETE SET NULL,
  recipient        TEXT NOT NULL DEFAULT '',
  subject          TEXT NOT NULL DEFAULT '',
  body             TEXT NOT NULL DEFAULT '',
  due_at           INTEGER NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'suppressed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT NOT NULL DEFAULT '',
  provider_id      TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox_message(status, due_at);
CREATE INDEX outbox_volunteer ON outbox_message(volunteer_id);

-- Who did what to which entity. Never contact data: the detail column holds
-- only ids, statuses and flags, written through store::audit().
CREATE TABLE audit_entry (
  id           INTEGER PRIMARY KEY,
  at           INTEGER NOT NULL,
  group_id     INTEGER REFERENCES "group"(id) ON DELETE CASCADE,
  actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('account', 'volunteer', 'plugin', 'system')),
  actor_id     INTEGER,
  actor_name   TEXT NOT NULL DEFAULT '',
  action       TEXT NOT NULL,
  entity_kind  TEXT NOT NULL,
  entity_id    INTEGER,
  detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_group_at ON audit_entry(group_id, at);

-- Domain events, written in the same transaction as the change they
-- describe, so a listener sees each one after commit, in order, even across
-- a crash. No contact data in the payload.
CREATE TABLE domain_event (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  group_id    INTEGER NOT NULL REFERENCES "group"(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  entity_kind TEXT NOT NULL,
  entity_id   INTEGER NOT NULL,
  payload     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX domain_event_group ON domain_event(group_id, id);
