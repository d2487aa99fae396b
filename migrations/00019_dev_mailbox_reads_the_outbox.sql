-- +goose Up
-- The development mailbox kept a copy of every message delivered into it, with its attachments: a
-- second insert of a few kilobytes for every message, about a sixth of the database's writes during
-- a deadline surge, for texts the outbox already holds. Now a message delivered into the mailbox is
-- marked so in the outbox, in the statement that marks it sent, and the mailbox reads it from there.
-- Messages already in the mailbox keep their place: their Message-ID names their outbox row. A copy
-- that names none (the mailbox kept nothing else) is dropped with the table.
ALTER TABLE email_messages ADD COLUMN dev_mailbox boolean NOT NULL DEFAULT false;

UPDATE email_messages m SET dev_mailbox = true
FROM dev_mailbox d
WHERE m.status = 'sent' AND d.message_id ~ '^mail-[0-9]{1,18}@' AND m.id = substring(d.message_id FROM '^mail-([0-9]+)@')::bigint;

DROP TABLE dev_mailbox_attachments;
DROP TABLE dev_mailbox;

-- +goose Down
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
CREATE TABLE dev_mailbox_attachments (
    id           bigserial PRIMARY KEY,
    dev_mail_id  bigint    NOT NULL REFERENCES dev_mailbox (id) ON DELETE CASCADE,
    name         text      NOT NULL,
    content_type text      NOT NULL,
    data         bytea     NOT NULL
);
CREATE INDEX dev_mailbox_attachments_mail_idx ON dev_mailbox_attachments (dev_mail_id);

-- +goose StatementBegin
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'ALTER TABLE dev_mailbox ALTER COLUMN body_text SET COMPRESSION lz4, ALTER COLUMN body_html SET COMPRESSION lz4';
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
-- +goose StatementEnd

-- The copies again, in the order they arrived. The outbox does not keep the sender's address or the
-- host of the Message-ID (both came from the configuration): the copies have none and localhost.
INSERT INTO dev_mailbox (message_id, sender, recipient, subject, body_text, body_html, received_at)
SELECT 'mail-' || id || '@localhost', '',
    CASE WHEN recipient_name <> '' THEN recipient_name || ' <' || recipient || '>' ELSE recipient END,
    subject, body_text, body_html, coalesce(sent_at, created_at)
FROM email_messages WHERE dev_mailbox ORDER BY id;
INSERT INTO dev_mailbox_attachments (dev_mail_id, name, content_type, data)
SELECT d.id, a.name, a.content_type, a.data
FROM dev_mailbox d JOIN email_attachments a ON a.email_id = substring(d.message_id FROM '^mail-([0-9]+)@')::bigint
ORDER BY a.id;

ALTER TABLE email_messages DROP COLUMN dev_mailbox;
