-- +goose Up
-- Free registration for attendees: per-conference settings with the place counter, registrations
-- with a waitlist, emailed links, self-identified demographics kept apart from identities, and
-- capacity-limited workshops with waitlists of their own.

-- One row per conference that has set up registration. places_taken counts the registrations that
-- hold a place (registered or offered); every change to it happens under this row's lock, and the
-- CHECK makes an overbooking impossible even for a bug in the code above it. The row is made (closed)
-- the first time something takes its lock; configured says whether organizers saved settings.
CREATE TABLE registration_settings (
    conference_id     bigint      PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    configured        boolean     NOT NULL DEFAULT false,
    is_open           boolean     NOT NULL DEFAULT false,
    opens_at          timestamptz,
    closes_at         timestamptz,
    capacity          integer     CHECK (capacity IS NULL OR capacity > 0),
    places_taken      integer     NOT NULL DEFAULT 0 CHECK (places_taken >= 0),
    offer_hold_hours  integer     NOT NULL DEFAULT 48 CHECK (offer_hold_hours BETWEEN 1 AND 336),
    privacy_statement text        NOT NULL DEFAULT '' CHECK (length(privacy_statement) <= 20000),
    join_info         text        NOT NULL DEFAULT '' CHECK (length(join_info) <= 20000),
    questions         jsonb       NOT NULL DEFAULT '[]',
    demographics      text[]      NOT NULL DEFAULT '{}',
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT registration_settings_places_check CHECK (capacity IS NULL OR places_taken <= capacity),
    CONSTRAINT registration_settings_window_check CHECK (opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at)
);

-- registered: holds a place; waitlisted: in line for one; offered: a place is held for the person
-- until offer_expires_at; cancelled: by the person or an organizer; expired: never confirmed, or an
-- offer that was not taken up. Workshop sign-ups use the same states.
CREATE TYPE registration_status AS ENUM ('registered', 'waitlisted', 'offered', 'cancelled', 'expired');

CREATE TABLE registrations (
    id                   bigserial           PRIMARY KEY,
    conference_id        bigint              NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id              bigint              REFERENCES users (id) ON DELETE SET NULL,
    email                text                NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name                 text                NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    pronouns             text                NOT NULL DEFAULT '' CHECK (length(pronouns) <= 40),
    participant_role     text                NOT NULL CHECK (participant_role IN ('medical_student', 'house_staff',
        'dean', 'director', 'faculty', 'academic_administrator', 'community_member', 'graduate_student',
        'postdoctoral_fellow', 'other')),
    role_other           text                NOT NULL DEFAULT '' CHECK (length(role_other) <= 100),
    institution          text                NOT NULL CHECK (length(institution) BETWEEN 1 AND 200),
    accommodations       text[]              NOT NULL DEFAULT '{}' CHECK (accommodations <@ ARRAY['captions', 'asl', 'other']),
    accommodations_other text                NOT NULL DEFAULT '' CHECK (length(accommodations_other) <= 1000),
    answers              jsonb               NOT NULL DEFAULT '{}',
    status               registration_status NOT NULL,
    source               text                NOT NULL CHECK (source IN ('self', 'organizer')),
    consented_at         timestamptz,
    email_confirmed_at   timestamptz,
    -- An unconfirmed registration lapses at confirm_by, and the place it held passes on.
    confirm_by           timestamptz,
    offer_expires_at     timestamptz,
    offers               integer             NOT NULL DEFAULT 0,
    attended_at          timestamptz,
    -- Random, never shown: its keyed hash names the person's demographic answers (see below).
    demographics_key     bytea               NOT NULL,
    cancelled_at         timestamptz,
    created_at           timestamptz         NOT NULL DEFAULT now(),
    updated_at           timestamptz         NOT NULL DEFAULT now(),
    CONSTRAINT registrations_consent_check CHECK (source = 'organizer' OR consented_at IS NOT NULL),
    CONSTRAINT registrations_offer_check CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL),
    CONSTRAINT registrations_confirm_check CHECK (email_confirmed_at IS NOT NULL OR confirm_by IS NOT NULL)
);
-- One live registration per address and conference, whatever the race.
CREATE UNIQUE INDEX registrations_live_email ON registrations (conference_id, lower(email))
    WHERE status IN ('registered', 'waitlisted', 'offered');
CREATE INDEX registrations_conference_idx ON registrations (conference_id, status, id);
CREATE INDEX registrations_user_idx ON registrations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX registrations_email_idx ON registrations (email);
CREATE INDEX registrations_unconfirmed_idx ON registrations (confirm_by)
    WHERE email_confirmed_at IS NULL AND status IN ('registered', 'waitlisted', 'offered');
CREATE INDEX registrations_offer_idx ON registrations (offer_expires_at) WHERE status = 'offered';

-- Emailed links: confirm (single use, until confirm_by) and manage (the attendee's personal link).
-- Only a keyed hash of the secret is kept.
CREATE TABLE registration_tokens (
    id              bigserial   PRIMARY KEY,
    registration_id bigint      NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    purpose         text        NOT NULL CHECK (purpose IN ('confirm', 'manage')),
    token_hash      bytea       NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_tokens_registration_idx ON registration_tokens (registration_id);

-- Self-identified demographic answers, kept apart from identities: no registration id, no account,
-- no time and no sequence that could be matched to one. The key is a keyed hash (SECRET_KEY) of the
-- random demographics_key of the registration, so the service can delete a person's answers when
-- they ask, and a copy of the database alone cannot join the two. Only aggregates are ever read.
CREATE TABLE registration_demographics (
    key_hash      bytea  PRIMARY KEY,
    conference_id bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    answers       jsonb  NOT NULL
);
CREATE INDEX registration_demographics_conference_idx ON registration_demographics (conference_id);

-- Capacity-limited activities of a conference, each with its own sign-up and waitlist. A scheduled
-- session will point at its workshop from the schedule's side.
CREATE TABLE workshops (
    id            bigserial   PRIMARY KEY,
    conference_id bigint      NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    title         text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description   text        NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    capacity      integer     NOT NULL CHECK (capacity > 0),
    places_taken  integer     NOT NULL DEFAULT 0 CHECK (places_taken >= 0),
    starts_at     timestamptz,
    ends_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workshops_places_check CHECK (places_taken <= capacity),
    CONSTRAINT workshops_time_check CHECK (ends_at IS NULL OR (starts_at IS NOT NULL AND ends_at > starts_at))
);
CREATE INDEX workshops_conference_idx ON workshops (conference_id, starts_at, id);

CREATE TABLE workshop_signups (
    id               bigserial           PRIMARY KEY,
    workshop_id      bigint              NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    registration_id  bigint              NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    status           registration_status NOT NULL,
    offer_expires_at timestamptz,
    offers           integer             NOT NULL DEFAULT 0,
    created_at       timestamptz         NOT NULL DEFAULT now(),
    updated_at       timestamptz         NOT NULL DEFAULT now(),
    CONSTRAINT workshop_signups_offer_check CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL)
);
CREATE UNIQUE INDEX workshop_signups_live ON workshop_signups (workshop_id, registration_id)
    WHERE status IN ('registered', 'waitlisted', 'offered');
CREATE INDEX workshop_signups_registration_idx ON workshop_signups (registration_id);
CREATE INDEX workshop_signups_line_idx ON workshop_signups (workshop_id, status, id);
CREATE INDEX workshop_signups_offer_idx ON workshop_signups (offer_expires_at) WHERE status = 'offered';

-- +goose Down
DROP TABLE workshop_signups;
DROP TABLE workshops;
DROP TABLE registration_demographics;
DROP TABLE registration_tokens;
DROP TABLE registrations;
DROP TYPE registration_status;
DROP TABLE registration_settings;
