-- +goose Up
-- Accounts are global to the installation; roles are held per conference.
CREATE TABLE users (
    id                bigserial PRIMARY KEY,
    email             text        NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash     text        NOT NULL,
    email_verified_at timestamptz,
    is_admin          boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- Single-use links sent by email (verification, password reset). Only a hash of the token is kept.
CREATE TABLE user_tokens (
    id         bigserial PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash bytea       NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);

-- Personal API tokens for /api/v1. The secret is shown once; only its hash is kept.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id) WHERE revoked_at IS NULL;

-- Server-side web sessions (the layout alexedwards/scs postgresstore expects).
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea       NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE conferences (
    id         bigserial PRIMARY KEY,
    slug       text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone  text        NOT NULL,
    starts_on  date        NOT NULL,
    ends_on    date        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conferences_slug_key UNIQUE (slug),
    CONSTRAINT conferences_dates_check CHECK (ends_on >= starts_on)
);

CREATE TYPE conference_role AS ENUM ('organizer', 'reviewer');

CREATE TABLE conference_roles (
    conference_id bigint          NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id       bigint          NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          conference_role NOT NULL,
    granted_by    bigint          REFERENCES users (id) ON DELETE SET NULL,
    granted_at    timestamptz     NOT NULL DEFAULT now(),
    PRIMARY KEY (conference_id, user_id, role)
);
CREATE INDEX conference_roles_user_idx ON conference_roles (user_id);

-- Who did what, when and from where: security events and role changes.
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_email   text   NOT NULL DEFAULT '',
    action        text   NOT NULL,
    subject       text   NOT NULL DEFAULT '',
    conference_id bigint REFERENCES conferences (id) ON DELETE SET NULL,
    ip            text   NOT NULL DEFAULT '',
    user_agent    text   NOT NULL DEFAULT '',
    details       text   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_conference_idx ON audit_log (conference_id, occurred_at DESC) WHERE conference_id IS NOT NULL;

-- Every outgoing message, rendered when the change that causes it is committed. event_key makes
-- one event yield at most one message; the job queue delivers it.
CREATE TYPE email_status AS ENUM ('queued', 'sent', 'failed');

CREATE TABLE email_messages (
    id            bigserial PRIMARY KEY,
    event_key     text         NOT NULL,
    conference_id bigint       REFERENCES conferences (id) ON DELETE SET NULL,
    recipient     text         NOT NULL,
    recipient_name text        NOT NULL DEFAULT '',
    subject       text         NOT NULL,
    body_text     text         NOT NULL,
    body_html     text         NOT NULL,
    status        email_status NOT NULL DEFAULT 'queued',
    attempts      integer      NOT NULL DEFAULT 0,
    last_error    text         NOT NULL DEFAULT '',
    created_at    timestamptz  NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    CONSTRAINT email_messages_event_key UNIQUE (event_key)
);
CREATE INDEX email_messages_time_idx ON email_messages (created_at DESC, id DESC);
CREATE INDEX email_messages_conference_idx ON email_messages (conference_id, created_at DESC) WHERE conference_id IS NOT NULL;

-- The development mailbox: where mail goes when no SMTP server is configured.
CREATE TABLE dev_mailbox (
    id          bigserial PRIMARY KEY,
    message_id  text        NOT NULL,
    sender      text        NOT NULL,
    recipient   text        NOT NULL,
    subject     text        NOT NULL,
    body_text   text        NOT NULL,
    body_html   text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE dev_mailbox;
DROP TABLE email_messages;
DROP TYPE email_status;
DROP TABLE audit_log;
DROP TABLE conference_roles;
DROP TYPE conference_role;
DROP TABLE conferences;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE user_tokens;
DROP TABLE users;
