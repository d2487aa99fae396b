-- +goose Up
-- A person changes their account's address by a link mailed to the new one: the link is a
-- single-use token like the others, and keeps the address it confirms. Nothing in users changes
-- until the change is confirmed from the link.
ALTER TABLE user_tokens ADD COLUMN new_email text CHECK (new_email = lower(new_email) AND length(new_email) BETWEEN 3 AND 254);
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_check;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'reset_password', 'change_email') AND (purpose = 'change_email') = (new_email IS NOT NULL));

-- +goose Down
DELETE FROM user_tokens WHERE purpose = 'change_email';
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_check;
ALTER TABLE user_tokens DROP COLUMN new_email;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check CHECK (purpose IN ('verify_email', 'reset_password'));
