-- +goose Up
-- The forms and API requests that add a room, a session, a workshop or invite reviewers carry a key of the client's
-- (one per form shown, or the API's Idempotency-Key), kept with what it made, as tracks' and
-- formats' do: the same request sent twice at once (a double click) or again (a retry) makes one,
-- and the second answer is the first's. A key is unique in its conference.
ALTER TABLE schedule_rooms ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE schedule_rooms ADD CONSTRAINT schedule_rooms_client_key UNIQUE (conference_id, client_key);
ALTER TABLE schedule_sessions ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE schedule_sessions ADD CONSTRAINT schedule_sessions_client_key UNIQUE (conference_id, client_key);
ALTER TABLE workshops ADD COLUMN client_key text CHECK (length(client_key) <= 100);
ALTER TABLE workshops ADD CONSTRAINT workshops_client_key UNIQUE (conference_id, client_key);
-- An invitation to review keeps the key of the request that last sent it: one request invites many,
-- so the key is not unique; the same request again sends nothing more to those it invited.
ALTER TABLE reviewer_invitations ADD COLUMN client_key text CHECK (length(client_key) <= 100);

-- +goose Down
ALTER TABLE reviewer_invitations DROP COLUMN client_key;
ALTER TABLE workshops DROP COLUMN client_key;
ALTER TABLE schedule_sessions DROP COLUMN client_key;
ALTER TABLE schedule_rooms DROP COLUMN client_key;
