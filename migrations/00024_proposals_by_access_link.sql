-- +goose Up
-- The proposals started through an access link: the organizers' list of links counts those that
-- still have the link's deadline, and withdrawing a link can end that time for them.
CREATE INDEX proposals_access_link_idx ON proposals (access_link_id) WHERE access_link_id IS NOT NULL;

-- +goose Down
DROP INDEX proposals_access_link_idx;
