-- A volunteer's private "manage" link, /me/{token}: their own page to
-- confirm or cancel a place, get their calendar link and erase their data.
-- Like the feed token, only a hash of it is kept (the token itself is shown
-- once, to the person who signed up); lookups go through this index, so no
-- token is ever compared byte by byte. Erasing the volunteer deletes it.
ALTER TABLE volunteer ADD COLUMN manage_token_hash BLOB;
CREATE UNIQUE INDEX volunteer_manage_token ON volunteer(manage_token_hash) WHERE manage_token_hash IS NOT NULL;
