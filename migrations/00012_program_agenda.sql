-- +goose Up
-- Personal agendas of the published program: the sessions a person starred, and the secret address
-- of their personal calendar feed. Sessions are named by the id that stays stable across published
-- versions, so a star outlives a republication; a session that a later version drops simply no
-- longer shows.
CREATE TABLE program_stars (
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conference_id bigint      NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    session_id    bigint      NOT NULL CHECK (session_id > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, conference_id, session_id)
);

-- The feed's address carries a random secret; only its keyed hash is stored. One live address per
-- person and conference: making a new one revokes the old.
CREATE TABLE program_feed_tokens (
    id            bigserial   PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conference_id bigint      NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    token_hash    bytea       NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE UNIQUE INDEX program_feed_tokens_live ON program_feed_tokens (user_id, conference_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE program_feed_tokens;
DROP TABLE program_stars;
