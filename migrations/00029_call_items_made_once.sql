-- +goose Up
-- The forms and API requests that add a track, a format, a field of a format or an access link carry
-- a key of the client's (one per form shown, or the API's Idempotency-Key), kept with what it made:
-- the same request sent twice at once (a double click) or again (a retry) makes one, and the second
-- answer is the first's. Like proposals' client_key, a key is unique in its conference.
ALTER TABLE tracks ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE tracks ADD CONSTRAINT tracks_client_key UNIQUE (conference_id, client_key);
ALTER TABLE formats ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE formats ADD CONSTRAINT formats_client_key UNIQUE (conference_id, client_key);
ALTER TABLE call_access_links ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE call_access_links ADD CONSTRAINT call_access_links_client_key UNIQUE (conference_id, client_key);
-- A field lives in its format's list of fields, versioned with the format: the key of the form that
-- added it is kept with the format, naming the field's id.
ALTER TABLE formats ADD COLUMN field_keys jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(field_keys) = 'object');

-- +goose Down
ALTER TABLE formats DROP COLUMN field_keys;
ALTER TABLE call_access_links DROP COLUMN client_key;
ALTER TABLE formats DROP COLUMN client_key;
ALTER TABLE tracks DROP COLUMN client_key;
