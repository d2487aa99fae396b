-- +goose Up
-- Each new proposal, and each change of one that cannot be a heap-only update, wrote entries into
-- indexes that no query needs them in:
-- - proposals_owner_idx (owner_id, conference_id): a person's proposals are found through their
--   presenters, and by owner only with a client key, which proposals_client_key (owner_id,
--   client_key) serves; it serves a look-up by owner alone as well (a user's deletion).
-- - The search index held an entry for every proposal without a vector, the ones whose text has
--   changed since they were indexed, and every such entry went through the index's one pending
--   list, which every writer locks in turn. A search matches a vector (a strict operator: never a
--   missing one) or computes it, so the index needs the proposals that have one.
-- - A presenter's invitation hash is unique, and an owner has none: the owner's row of every new
--   proposal added a NULL to the unique index.
DROP INDEX proposals_owner_idx;
DROP INDEX proposals_search_idx;
CREATE INDEX proposals_search_idx ON proposals USING gin (search) WHERE search IS NOT NULL;
ALTER TABLE proposal_presenters DROP CONSTRAINT proposal_presenters_token_hash_key;
CREATE UNIQUE INDEX proposal_presenters_token_hash_key ON proposal_presenters (token_hash) WHERE token_hash IS NOT NULL;

-- +goose Down
DROP INDEX proposal_presenters_token_hash_key;
ALTER TABLE proposal_presenters ADD CONSTRAINT proposal_presenters_token_hash_key UNIQUE (token_hash);
DROP INDEX proposals_search_idx;
CREATE INDEX proposals_search_idx ON proposals USING gin (search);
CREATE INDEX proposals_owner_idx ON proposals (owner_id, conference_id);
