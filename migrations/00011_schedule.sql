-- +goose Up
-- The organizers' working copy of the program: virtual rooms, sessions placed in time and room, their
-- chairs and the accepted proposals in them, in order. The public never reads these tables: a
-- publication freezes them into program_versions.
CREATE TABLE schedule_rooms (
    id            bigserial PRIMARY KEY,
    conference_id bigint  NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name          text    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    meeting_url   text    NOT NULL DEFAULT '' CHECK (length(meeting_url) <= 2000),
    capacity      integer CHECK (capacity > 0),
    position      integer NOT NULL DEFAULT 0,
    version       integer NOT NULL DEFAULT 1,
    CONSTRAINT schedule_rooms_name_key UNIQUE (conference_id, name),
    -- The target of the sessions' composite key: a session's room is always of its own conference.
    CONSTRAINT schedule_rooms_conference_key UNIQUE (conference_id, id)
);

CREATE TYPE session_kind AS ENUM ('plenary', 'workshop', 'poster', 'narrative', 'fireside', 'break');

CREATE TABLE schedule_sessions (
    id            bigserial    PRIMARY KEY,
    conference_id bigint       NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    title         text         NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    kind          session_kind NOT NULL,
    description   text         NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    starts_at     timestamptz  NOT NULL,
    ends_at       timestamptz  NOT NULL,
    room_id       bigint       NOT NULL,
    track_id      bigint       REFERENCES tracks (id) ON DELETE SET NULL,
    -- Optimistic locking: every change names the version it edited and bumps it.
    version       integer      NOT NULL DEFAULT 1,
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT schedule_sessions_time_check CHECK (ends_at > starts_at),
    CONSTRAINT schedule_sessions_room_fkey FOREIGN KEY (conference_id, room_id) REFERENCES schedule_rooms (conference_id, id)
);
CREATE INDEX schedule_sessions_conference_idx ON schedule_sessions (conference_id, starts_at);
CREATE INDEX schedule_sessions_room_idx ON schedule_sessions (room_id);

-- Chairs and moderators: accounts, in the order the program names them.
CREATE TABLE schedule_chairs (
    session_id bigint  NOT NULL REFERENCES schedule_sessions (id) ON DELETE CASCADE,
    user_id    bigint  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX schedule_chairs_user_idx ON schedule_chairs (user_id);

-- A proposal is in at most one session.
CREATE TABLE schedule_items (
    session_id  bigint  NOT NULL REFERENCES schedule_sessions (id) ON DELETE CASCADE,
    proposal_id bigint  NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, proposal_id),
    CONSTRAINT schedule_items_proposal_key UNIQUE (proposal_id)
);

-- +goose Down
DROP TABLE schedule_items;
DROP TABLE schedule_chairs;
DROP TABLE schedule_sessions;
DROP TYPE session_kind;
DROP TABLE schedule_rooms;
