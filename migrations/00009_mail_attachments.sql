-- +goose Up
-- Files sent with a message (e.g. a calendar invitation), stored with the message in the outbox so a
-- retry sends exactly what was queued; and kept with messages in the development mailbox.
CREATE TABLE email_attachments (
    id           bigserial PRIMARY KEY,
    email_id     bigint    NOT NULL REFERENCES email_messages (id) ON DELETE CASCADE,
    name         text      NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    content_type text      NOT NULL,
    data         bytea     NOT NULL
);
CREATE INDEX email_attachments_email_idx ON email_attachments (email_id);

CREATE TABLE dev_mailbox_attachments (
    id           bigserial PRIMARY KEY,
    dev_mail_id  bigint    NOT NULL REFERENCES dev_mailbox (id) ON DELETE CASCADE,
    name         text      NOT NULL,
    content_type text      NOT NULL,
    data         bytea     NOT NULL
);
CREATE INDEX dev_mailbox_attachments_mail_idx ON dev_mailbox_attachments (dev_mail_id);

-- +goose Down
DROP TABLE dev_mailbox_attachments;
DROP TABLE email_attachments;
