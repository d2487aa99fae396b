-- +goose Up
-- Peer review: the reviewer pool, conflicts of interest, bidding, assignments, rubric scoring,
-- discussion, and the notices of decisions.

-- How a conference reviews: blind or not, the windows and deadlines, and the assignment's rules.
CREATE TYPE blind_mode AS ENUM ('double', 'single');
CREATE TABLE review_settings (
    conference_id          bigint PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    blind                  blind_mode  NOT NULL DEFAULT 'double',
    bidding_opens_at       timestamptz,
    bidding_closes_at      timestamptz,
    review_deadline        timestamptz,
    -- Automatic reminders this many hours before the review deadline (0: none).
    reminder_hours         integer     NOT NULL DEFAULT 72 CHECK (reminder_hours BETWEEN 0 AND 720),
    -- Every reviewer scores these first, then sees how their scores sit against the others'.
    calibration            boolean     NOT NULL DEFAULT false,
    -- At most this many proposals a reviewer bid "not preferred" on are assigned to them.
    not_preferred_cap      integer     NOT NULL DEFAULT 3 CHECK (not_preferred_cap BETWEEN -1 AND 1000),
    -- Each proposal gets at least one reviewer of each of these categories when possible.
    required_categories    text[]      NOT NULL DEFAULT '{}',
    -- Accepted presenters confirm their participation by this date.
    confirm_by             timestamptz,
    version                integer     NOT NULL DEFAULT 1,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Per format: how many reviewers each proposal gets, its rubric, and how many proposals can be
-- accepted (the cut a decision may depart from only with a recorded reason).
CREATE TABLE review_formats (
    format_id     bigint PRIMARY KEY REFERENCES formats (id) ON DELETE CASCADE,
    conference_id bigint  NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    reviewers     integer NOT NULL DEFAULT 3 CHECK (reviewers BETWEEN 1 AND 20),
    -- The rubric's criteria: [{id, label, description, weight, anchors: [5 texts]}].
    criteria      jsonb   NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(criteria) = 'array'),
    slots         integer CHECK (slots >= 0),
    version       integer NOT NULL DEFAULT 1
);

-- Invitations to review, by email; accepting makes the account a reviewer of the conference.
CREATE TYPE reviewer_invitation_status AS ENUM ('invited', 'accepted', 'declined');
CREATE TABLE reviewer_invitations (
    id            bigserial PRIMARY KEY,
    conference_id bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    email         text   NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name          text   NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    status        reviewer_invitation_status NOT NULL DEFAULT 'invited',
    token_hash    bytea UNIQUE,
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    invited_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    invited_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    answered_at   timestamptz,
    CONSTRAINT reviewer_invitations_email_key UNIQUE (conference_id, email)
);

-- A reviewer's profile in a conference.
CREATE TABLE reviewer_profiles (
    conference_id bigint  NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       bigint  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tracks        bigint[] NOT NULL DEFAULT '{}',
    formats       bigint[] NOT NULL DEFAULT '{}',
    max_reviews   integer NOT NULL DEFAULT 30 CHECK (max_reviews BETWEEN 0 AND 1000),
    category      text    NOT NULL DEFAULT '' CHECK (category IN ('', 'faculty', 'resident', 'student', 'community', 'administrator', 'other')),
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conference_id, user_id)
);

-- Institutions a reviewer belongs to (kind 'own') or declares a conflict with ('conflict'), and
-- people they declare a conflict with, by address. norm is the name as compared: lower case, single
-- spaces, no punctuation.
CREATE TABLE reviewer_affiliations (
    conference_id bigint NOT NULL,
    user_id       bigint NOT NULL,
    kind          text   NOT NULL CHECK (kind IN ('own', 'conflict', 'person')),
    value         text   NOT NULL CHECK (length(value) BETWEEN 1 AND 254),
    norm          text   NOT NULL,
    PRIMARY KEY (conference_id, user_id, kind, norm),
    FOREIGN KEY (conference_id, user_id) REFERENCES reviewer_profiles (conference_id, user_id) ON DELETE CASCADE
);
CREATE INDEX reviewer_affiliations_norm_idx ON reviewer_affiliations (conference_id, kind, norm);

-- Webmail domains: sharing one of these says nothing about a conflict. Nor do the reserved example
-- domains (RFC 2606), which no institution uses.
CREATE TABLE webmail_domains (domain text PRIMARY KEY);
INSERT INTO webmail_domains (domain) VALUES ('gmail.com'), ('googlemail.com'), ('yahoo.com'), ('ymail.com'), ('hotmail.com'),
    ('outlook.com'), ('live.com'), ('msn.com'), ('aol.com'), ('icloud.com'), ('me.com'), ('mac.com'), ('proton.me'),
    ('protonmail.com'), ('gmx.com'), ('gmx.net'), ('mail.com'), ('zoho.com'), ('yandex.com'), ('fastmail.com'),
    ('hey.com'), ('comcast.net'), ('verizon.net'), ('att.net'), ('example.org'), ('example.com'), ('example.net');

-- Conflicts declared on one proposal: by the reviewer themself or by an organizer.
CREATE TABLE review_conflicts (
    proposal_id bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source      text   NOT NULL CHECK (source IN ('reviewer', 'organizer')),
    reason      text   NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, user_id)
);

CREATE TYPE bid_level AS ENUM ('eager', 'willing', 'not_preferred', 'conflict');
CREATE TABLE bids (
    proposal_id bigint    NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     bigint    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level       bid_level NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX bids_user_idx ON bids (user_id);

-- Who reviews what. calibration marks the sample proposals every reviewer scores first.
CREATE TABLE review_assignments (
    proposal_id   bigint  NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id       bigint  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conference_id bigint  NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    round         integer NOT NULL DEFAULT 0,
    source        text    NOT NULL CHECK (source IN ('automatic', 'manual', 'calibration')),
    why           text    NOT NULL DEFAULT '',
    assigned_by   bigint  REFERENCES users (id) ON DELETE SET NULL,
    assigned_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX review_assignments_user_idx ON review_assignments (conference_id, user_id);

-- A plan previewed by an organizer, applied as it was shown.
CREATE TABLE assignment_plans (
    id            bigserial PRIMARY KEY,
    conference_id bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    created_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- The state the plan was computed from: assignments, conflicts and bids as a fingerprint.
    basis         text   NOT NULL,
    plan          jsonb  NOT NULL,
    committed_at  timestamptz
);

CREATE TYPE review_status AS ENUM ('draft', 'submitted');
CREATE TABLE reviews (
    id                     bigserial PRIMARY KEY,
    proposal_id            bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id                bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conference_id          bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    status                 review_status NOT NULL DEFAULT 'draft',
    scores                 jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(scores) = 'object'),
    recommendation         smallint CHECK (recommendation BETWEEN 1 AND 5),
    confidence             smallint CHECK (confidence BETWEEN 1 AND 3),
    to_presenters          text    NOT NULL DEFAULT '' CHECK (length(to_presenters) <= 20000),
    to_organizers          text    NOT NULL DEFAULT '' CHECK (length(to_organizers) <= 20000),
    version                integer NOT NULL DEFAULT 1,
    submitted_at           timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- An organizer read the comments to presenters and let the presenters see them.
    released_at            timestamptz,
    CONSTRAINT reviews_one_per_reviewer UNIQUE (proposal_id, user_id)
);
CREATE INDEX reviews_conference_idx ON reviews (conference_id, status);

CREATE TABLE review_discussion (
    id          bigserial PRIMARY KEY,
    proposal_id bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    body        text   NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_discussion_proposal_idx ON review_discussion (proposal_id, id);

-- The texts of decision notices, per conference and kind, in Markdown with {{placeholders}}.
CREATE TYPE notice_kind AS ENUM ('accept', 'accept_other_format', 'reject', 'waitlist');
CREATE TABLE notice_templates (
    conference_id bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    kind          notice_kind NOT NULL,
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conference_id, kind)
);

-- Notices generated for review before they are sent. A proposal holds the notices of one decision
-- only: regenerating replaces them.
CREATE TYPE notice_status AS ENUM ('draft', 'sent');
CREATE TABLE notices (
    id            bigserial PRIMARY KEY,
    conference_id bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    proposal_id   bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    kind          notice_kind NOT NULL,
    recipient     text   NOT NULL,
    recipient_name text  NOT NULL DEFAULT '',
    subject       text   NOT NULL,
    body          text   NOT NULL,
    status        notice_status NOT NULL DEFAULT 'draft',
    event_key     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz
);
CREATE INDEX notices_conference_idx ON notices (conference_id, status, proposal_id);
-- Unsent notices of a proposal are all of one kind.
CREATE UNIQUE INDEX notices_one_decision ON notices (proposal_id, recipient) WHERE status = 'draft';

-- An institution's name as compared: lower case, punctuation and a leading "the" dropped, single
-- spaces. Names that say there is no institution compare to nothing.
-- +goose StatementBegin
CREATE FUNCTION institution_norm(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n IN ('', 'independent', 'none', 'na', 'n a', 'self', 'self employed', 'unaffiliated', 'retired') THEN NULL ELSE n END
    FROM (SELECT regexp_replace(trim(regexp_replace(regexp_replace(lower(coalesce(name, '')), '[^[:alnum:]]+', ' ', 'g'), '\s+', ' ', 'g')),
        '^the ', '') AS n) x
$$;
-- +goose StatementEnd

-- Every pair of a proposal and a member of its conference's team (reviewers and organizers) that
-- conflict, with the reason; a pair may appear once per reason. This view is the one definition of
-- a conflict of interest: the assignment, every list and every page a reviewer or organizer reads
-- go through it.
CREATE VIEW conflict_pairs AS
WITH team AS (
    SELECT DISTINCT cr.conference_id, cr.user_id, u.email, split_part(u.email, '@', 2) AS domain, institution_norm(u.institution) AS inst
    FROM conference_roles cr JOIN users u ON u.id = cr.user_id
), presenting AS (
    SELECT p.conference_id, p.id AS proposal_id, pp.user_id, pp.email, split_part(pp.email, '@', 2) AS domain,
        institution_norm(pu.institution) AS inst
    FROM proposals p JOIN proposal_presenters pp ON pp.proposal_id = p.id AND pp.status <> 'declined'
    LEFT JOIN users pu ON pu.id = pp.user_id
)
SELECT x.conference_id, x.proposal_id, t.user_id, 'presenter' AS reason
    FROM presenting x JOIN team t ON t.conference_id = x.conference_id AND (t.user_id = x.user_id OR t.email = x.email)
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'email_domain'
    FROM presenting x JOIN team t ON t.conference_id = x.conference_id AND t.domain = x.domain
    WHERE NOT EXISTS (SELECT 1 FROM webmail_domains w WHERE w.domain = x.domain)
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'institution'
    FROM presenting x JOIN team t ON t.conference_id = x.conference_id AND t.inst = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, CASE a.kind WHEN 'own' THEN 'institution' ELSE 'declared_institution' END
    FROM presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind IN ('own', 'conflict') AND a.norm = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, 'declared_person'
    FROM presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind = 'person' AND a.norm = x.email
UNION ALL
SELECT p.conference_id, c.proposal_id, c.user_id, CASE c.source WHEN 'reviewer' THEN 'declared_by_reviewer' ELSE 'set_by_organizer' END
    FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id
UNION ALL
SELECT p.conference_id, b.proposal_id, b.user_id, 'bid'
    FROM bids b JOIN proposals p ON p.id = b.proposal_id WHERE b.level = 'conflict';

-- +goose Down
DROP VIEW conflict_pairs;
DROP FUNCTION institution_norm(text);
DROP TABLE notices;
DROP TYPE notice_status;
DROP TABLE notice_templates;
DROP TYPE notice_kind;
DROP TABLE review_discussion;
DROP TABLE reviews;
DROP TYPE review_status;
DROP TABLE assignment_plans;
DROP TABLE review_assignments;
DROP TABLE bids;
DROP TYPE bid_level;
DROP TABLE review_conflicts;
DROP TABLE webmail_domains;
DROP TABLE reviewer_affiliations;
DROP TABLE reviewer_profiles;
DROP TABLE reviewer_invitations;
DROP TYPE reviewer_invitation_status;
DROP TABLE review_formats;
DROP TABLE review_settings;
DROP TYPE blind_mode;
