-- +goose Up
-- The address an invitation was sent to, kept when it is accepted from an account with another
-- address (the presenter's email then becomes the account's). The address stays the presenter's for
-- the proposal: inviting it again is refused rather than giving the same person a second place.
ALTER TABLE proposal_presenters ADD COLUMN invited_email text
    CHECK (invited_email = lower(invited_email) AND length(invited_email) BETWEEN 3 AND 254);

-- +goose Down
ALTER TABLE proposal_presenters DROP COLUMN invited_email;
