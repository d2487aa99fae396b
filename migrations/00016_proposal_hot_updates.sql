-- +goose Up
-- A save of a draft changes its text and version, no column that an index reads, yet every save
-- wrote a new entry into each of the proposals' six indexes: the indexer's work list was ordered by
-- the time the text last changed, which every save changes. Listed by id instead, and with room left
-- in each page for a new version of its rows, a save can be a heap-only update (HOT) that touches no
-- index. The room is kept in pages written from now on (rows already stored get it when the table
-- is rewritten, e.g. by VACUUM FULL). The work list holds only proposals whose text changed and has
-- not been indexed yet, so the indexer reads it whole to find the oldest changes.
DROP INDEX proposals_search_stale_idx;
CREATE INDEX proposals_search_stale_idx ON proposals (id) WHERE search IS NULL;
ALTER TABLE proposals SET (fillfactor = 70);

-- +goose Down
ALTER TABLE proposals RESET (fillfactor);
DROP INDEX proposals_search_stale_idx;
CREATE INDEX proposals_search_stale_idx ON proposals (text_changed_at) WHERE search IS NULL;
