-- +goose Up
-- The forms and API requests that add a room, a session or a workshop carry a key of the client's
-- (one per form shown, or the API's Idempotency-Key), kept with what it made, as tracks' and
-- formats' do: the same request sent twice at once (a double click) or again (a retry) makes one,
-- and the second answer is the first's. A key is unique in its conference.
ALTER TABLE schedule_rooms ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE schedule_rooms ADD CONSTRAINT schedule_rooms_client_key UNIQUE (conference_id, client_key);
ALTER TABLE schedule_sessions ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE schedule_sessions ADD CONSTRAINT schedule_sessions_client_key UNIQUE (conference_id, client_key);
ALTER TABLE workshops ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE workshops ADD CONSTRAINT workshops_client_key UNIQUE (conference_id, client_key);

-- +goose Down
ALTER TABLE workshops DROP COLUMN client_key;
ALTER TABLE schedule_sessions DROP COLUMN client_key;
ALTER TABLE schedule_rooms DROP COLUMN client_key;
