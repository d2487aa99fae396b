-- +goose Up
-- Published versions of a conference's program. A publication freezes the program (sessions, rooms,
-- tracks and the public fields of the proposals in them) as JSON, numbered from 1 per conference,
-- with its change log against the previous version. Public pages and feeds read only from here.
CREATE TABLE program_versions (
    conference_id bigint      NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    version       integer     NOT NULL CHECK (version > 0),
    program       jsonb       NOT NULL,
    changes       jsonb       NOT NULL DEFAULT '[]',
    published_by  bigint      REFERENCES users (id) ON DELETE SET NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conference_id, version)
);

-- +goose Down
DROP TABLE program_versions;
