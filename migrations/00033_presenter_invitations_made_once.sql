-- +goose Up
-- The form and the API request that invite a co-presenter carry a key of the client's (one per form
-- shown, or the API's Idempotency-Key), as the other creates do: the same request sent twice at once
-- (a double click) or again (a retry) sends one invitation, and the second answer is the first's.
-- An invitation keeps the key of the request that last sent it, unique in its proposal. The index is
-- partial: a proposal's owner, written with every new proposal, has no key and no entry.
ALTER TABLE proposal_presenters ADD COLUMN client_key text CHECK (length(client_key) <= 100);
CREATE UNIQUE INDEX proposal_presenters_client_key ON proposal_presenters (proposal_id, client_key) WHERE client_key IS NOT NULL;

-- +goose Down
DROP INDEX proposal_presenters_client_key;
ALTER TABLE proposal_presenters DROP COLUMN client_key;
