-- +goose Up
-- A proposal's abstract and answers were kept twice: in the proposal's row and in the revision of
-- each version. Every save wrote both, and a new version of a proposal's row, a couple of kilobytes
-- with its texts, cost as much as the revision itself (about 4 KB of WAL a save). Now the texts of
-- a version live in its revision alone: a proposal's current abstract and answers are those of its
-- revision at its version (proposal_revisions_version_key finds it), and a save writes the revision
-- and a small change of the proposal's row (title, version, times). The title stays in the row as
-- well, for the many lists that show it. Instances of the service from before this migration read
-- and write the columns it drops: stop them before it runs (serve applies it as it starts).

-- Both tables at once, in the order the service's statements lock them: a service still running
-- waits rather than deadlocks.
LOCK TABLE proposals, proposal_revisions IN ACCESS EXCLUSIVE MODE;

-- Every write of a proposal has made the revision of its new version; a proposal written otherwise
-- gets one now, and a revision that differs from its proposal takes the proposal's texts, which were
-- the ones shown.
INSERT INTO proposal_revisions (proposal_id, version, status, format_id, track_id, title, abstract, answers, saved_by, saved_at, note)
SELECT p.id, p.version, p.status, p.format_id, p.track_id, p.title, p.abstract, p.answers, NULL, p.updated_at, 'saved'
FROM proposals p
WHERE NOT EXISTS (SELECT 1 FROM proposal_revisions r WHERE r.proposal_id = p.id AND r.version = p.version);
UPDATE proposal_revisions r SET title = p.title, abstract = p.abstract, answers = p.answers
FROM proposals p
WHERE r.proposal_id = p.id AND r.version = p.version
    AND (r.title, r.abstract, r.answers) IS DISTINCT FROM (p.title, p.abstract, p.answers);

ALTER TABLE proposal_revisions
    ADD CONSTRAINT proposal_revisions_abstract_check CHECK (length(abstract) <= 20000),
    ADD CONSTRAINT proposal_revisions_answers_check CHECK (jsonb_typeof(answers) = 'object');

-- A change of the text empties the search vector: the statements that make a new version say so
-- themselves (search = NULL), as they know whether the text changed; the trigger compared columns
-- that are gone.
DROP TRIGGER proposals_search_stale ON proposals;
DROP FUNCTION proposals_search_stale();

ALTER TABLE proposals DROP COLUMN abstract, DROP COLUMN answers;

-- +goose Down
ALTER TABLE proposals ADD COLUMN abstract text NOT NULL DEFAULT '' CHECK (length(abstract) <= 20000),
    ADD COLUMN answers jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object');
-- Compressed as 00014 left them, set before the texts are written back (it applies to new values).
-- +goose StatementBegin
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'ALTER TABLE proposals ALTER COLUMN abstract SET COMPRESSION lz4, ALTER COLUMN answers SET COMPRESSION lz4';
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
-- +goose StatementEnd
UPDATE proposals p SET abstract = r.abstract, answers = r.answers
FROM proposal_revisions r WHERE r.proposal_id = p.id AND r.version = p.version;

-- +goose StatementBegin
CREATE FUNCTION proposals_search_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := NULL;
    NEW.text_changed_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER proposals_search_stale BEFORE UPDATE OF title, abstract, answers ON proposals
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract
        OR OLD.answers IS DISTINCT FROM NEW.answers)
    EXECUTE FUNCTION proposals_search_stale();

ALTER TABLE proposal_revisions DROP CONSTRAINT proposal_revisions_abstract_check,
    DROP CONSTRAINT proposal_revisions_answers_check;
