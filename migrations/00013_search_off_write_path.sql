-- +goose Up
-- The proposals' full-text search vector was a generated column: every write of a proposal, a
-- submit or a decision as much as a save, computed it again from the whole text, about 0.4 ms of the
-- database's CPU per write and most of what a save costs it. Now it is an ordinary column that a
-- write of the title, abstract or answers empties, and that a background indexer fills once the text
-- has stayed unchanged for a moment, so a draft saved four times in a minute is indexed once. A
-- search reads the vector where it is fresh and computes it on the spot where it is empty, so its
-- answer is always that of the current text.

-- +goose StatementBegin
CREATE FUNCTION proposal_search_vector(title text, abstract text, answers jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, title), 'A') ||
           setweight(to_tsvector('english'::regconfig, abstract), 'B') ||
           setweight(jsonb_to_tsvector('english'::regconfig, answers, '["string"]'), 'C')
$$;
-- +goose StatementEnd

ALTER TABLE proposals ALTER COLUMN search DROP EXPRESSION;
-- When the text last changed, by the database's clock: the indexer waits for a quiet moment.
ALTER TABLE proposals ADD COLUMN text_changed_at timestamptz NOT NULL DEFAULT now();

-- +goose StatementBegin
CREATE FUNCTION proposals_search_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := NULL;
    NEW.text_changed_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- Only a change of the text empties the vector; the comparison runs before any function is called.
CREATE TRIGGER proposals_search_stale BEFORE UPDATE OF title, abstract, answers ON proposals
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract
        OR OLD.answers IS DISTINCT FROM NEW.answers)
    EXECUTE FUNCTION proposals_search_stale();

-- The indexer's work list: proposals whose vector is empty, oldest change first.
CREATE INDEX proposals_search_stale_idx ON proposals (text_changed_at) WHERE search IS NULL;

-- +goose Down
DROP INDEX proposals_search_stale_idx;
DROP TRIGGER proposals_search_stale ON proposals;
DROP FUNCTION proposals_search_stale();
ALTER TABLE proposals DROP COLUMN text_changed_at;
ALTER TABLE proposals DROP COLUMN search;
ALTER TABLE proposals ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, abstract), 'B') ||
    setweight(jsonb_to_tsvector('english'::regconfig, answers, '["string"]'), 'C')) STORED;
CREATE INDEX proposals_search_idx ON proposals USING gin (search);
DROP FUNCTION proposal_search_vector(text, text, jsonb);
