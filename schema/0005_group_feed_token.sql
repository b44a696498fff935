-- Turnout schema, version 4: the group's calendar feed.

-- The hash of the group's feed token (GET /feeds/groups/{token}.ics); NULL
-- until a coordinator makes one. Like a volunteer's, only the hash is kept,
-- and the unique index is how a token is looked up.
ALTER TABLE "group" ADD COLUMN feed_token_hash BLOB;
CREATE UNIQUE INDEX group_feed_token ON "group"(feed_token_hash) WHERE feed_token_hash IS NOT NULL;
