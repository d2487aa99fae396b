-- +goose Up
-- The call for proposals of a conference: when it is open, its guide and FAQ, its tracks and the
-- formats people can propose in, each with its own fields.
CREATE TABLE calls (
    conference_id bigint      PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    opens_at      timestamptz NOT NULL,
    closes_at     timestamptz NOT NULL,
    contact_email text        NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
    intro_md      text        NOT NULL DEFAULT '' CHECK (length(intro_md) <= 20000),
    guide_md      text        NOT NULL DEFAULT '' CHECK (length(guide_md) <= 100000),
    faq_md        text        NOT NULL DEFAULT '' CHECK (length(faq_md) <= 100000),
    version       integer     NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calls_window_check CHECK (closes_at > opens_at)
);

CREATE TABLE tracks (
    id            bigserial PRIMARY KEY,
    conference_id bigint  NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name          text    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description   text    NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    position      integer NOT NULL DEFAULT 0,
    CONSTRAINT tracks_name_key UNIQUE (conference_id, name)
);

CREATE TABLE formats (
    id                 bigserial PRIMARY KEY,
    conference_id      bigint  NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name               text    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description        text    NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    duration_minutes   integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    max_presenters     integer NOT NULL CHECK (max_presenters BETWEEN 1 AND 20),
    abstract_max_words integer NOT NULL CHECK (abstract_max_words BETWEEN 20 AND 3000),
    -- The format's own fields and the organizers' custom questions (internal/question), in order.
    fields             jsonb   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fields) = 'array'),
    position           integer NOT NULL DEFAULT 0,
    -- A format no longer offered keeps its proposals; new ones cannot choose it.
    accepting          boolean NOT NULL DEFAULT true,
    version            integer NOT NULL DEFAULT 1,
    CONSTRAINT formats_name_key UNIQUE (conference_id, name)
);

CREATE TYPE proposal_status AS ENUM ('draft', 'submitted', 'withdrawn');

CREATE TABLE proposals (
    id            bigserial PRIMARY KEY,
    conference_id bigint          NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    owner_id      bigint          NOT NULL REFERENCES users (id),
    format_id     bigint          NOT NULL REFERENCES formats (id),
    track_id      bigint          REFERENCES tracks (id),
    title         text            NOT NULL DEFAULT '' CHECK (length(title) <= 300),
    abstract      text            NOT NULL DEFAULT '' CHECK (length(abstract) <= 20000),
    answers       jsonb           NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
    status        proposal_status NOT NULL DEFAULT 'draft',
    -- Optimistic locking: each save names the version it edited and bumps it.
    version       integer         NOT NULL DEFAULT 1,
    -- A later deadline for this proposal alone: from an extension or the access link it came through.
    deadline      timestamptz,
    access_link_id bigint,
    -- The client's key for the request that created it, so that a repeated create makes one proposal.
    client_key    text            CHECK (length(client_key) <= 100),
    submitted_at  timestamptz,
    withdrawn_at  timestamptz,
    created_at    timestamptz     NOT NULL DEFAULT now(),
    updated_at    timestamptz     NOT NULL DEFAULT now(),
    search        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, abstract), 'B') ||
        setweight(jsonb_to_tsvector('english'::regconfig, answers, '["string"]'), 'C')) STORED,
    CONSTRAINT proposals_client_key UNIQUE (owner_id, client_key)
);
CREATE INDEX proposals_conference_idx ON proposals (conference_id, status, id);
CREATE INDEX proposals_owner_idx ON proposals (owner_id, conference_id);
CREATE INDEX proposals_search_idx ON proposals USING gin (search);

-- The people presenting a proposal: its owner and the co-presenters invited by email. An invitation
-- is accepted from an emailed link (only its hash is kept) by whoever holds it, signed in.
CREATE TYPE presenter_status AS ENUM ('invited', 'accepted', 'declined');

CREATE TABLE proposal_presenters (
    id           bigserial PRIMARY KEY,
    proposal_id  bigint           NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id      bigint           REFERENCES users (id),
    email        text             NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name         text             NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    is_owner     boolean          NOT NULL DEFAULT false,
    status       presenter_status NOT NULL,
    token_hash   bytea            UNIQUE,
    invited_by   bigint           REFERENCES users (id),
    invited_at   timestamptz      NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    answered_at  timestamptz,
    position     integer          NOT NULL DEFAULT 0,
    CONSTRAINT proposal_presenters_email_key UNIQUE (proposal_id, email)
);
CREATE UNIQUE INDEX proposal_presenters_user_key ON proposal_presenters (proposal_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX proposal_presenters_user_idx ON proposal_presenters (user_id) WHERE user_id IS NOT NULL;

-- Every saved change of a proposal, in full, for the history organizers read.
CREATE TABLE proposal_revisions (
    id          bigserial PRIMARY KEY,
    proposal_id bigint          NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    version     integer         NOT NULL,
    status      proposal_status NOT NULL,
    format_id   bigint          NOT NULL,
    track_id    bigint,
    title       text            NOT NULL,
    abstract    text            NOT NULL,
    answers     jsonb           NOT NULL,
    saved_by    bigint          REFERENCES users (id),
    saved_at    timestamptz     NOT NULL DEFAULT now(),
    note        text            NOT NULL DEFAULT '',
    CONSTRAINT proposal_revisions_version_key UNIQUE (proposal_id, version)
);

-- A later deadline granted to one person (all their proposals in the conference).
CREATE TABLE deadline_extensions (
    id            bigserial PRIMARY KEY,
    conference_id bigint      NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until         timestamptz NOT NULL,
    reason        text        NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    granted_by    bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deadline_extensions_person_key UNIQUE (conference_id, user_id)
);

-- Links that let people propose outside the call's window (an invited panel after the call closed),
-- each with its own expiry and number of uses. Only the hash of the secret is kept.
CREATE TABLE call_access_links (
    id            bigserial PRIMARY KEY,
    conference_id bigint      NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    label         text        NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    token_hash    bytea       NOT NULL UNIQUE,
    expires_at    timestamptz NOT NULL,
    max_uses      integer     NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),
    uses          integer     NOT NULL DEFAULT 0 CHECK (uses <= max_uses),
    created_by    bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
ALTER TABLE proposals ADD CONSTRAINT proposals_access_link_fkey FOREIGN KEY (access_link_id) REFERENCES call_access_links (id) ON DELETE SET NULL;

-- +goose Down
DROP TABLE proposal_revisions;
DROP TABLE proposal_presenters;
DROP TYPE presenter_status;
DROP TABLE proposals;
DROP TYPE proposal_status;
DROP TABLE call_access_links;
DROP TABLE deadline_extensions;
DROP TABLE formats;
DROP TABLE tracks;
DROP TABLE calls;
