-- +goose Up
-- Proposals are plain text, stored as typed and always shown escaped, but PostgreSQL's text search
-- parser reads them as HTML: it drops what stands between <script> and </script>, <style> and
-- </style>, <!-- and -->, and any "<b and c>" it takes for a tag, so a search could not find words a
-- submitter wrote there. The vector now reads "<" as a space, so every word typed is searchable (the
-- names of tags become words of their own), and so does a search's query. Every proposal's vector is
-- emptied for the indexer to fill again; until then a search computes it as it reads.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION proposal_search_vector(title text, abstract text, answers jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english_unaccent'::regconfig, translate(title, '<', ' ')), 'A') ||
           setweight(to_tsvector('english_unaccent'::regconfig, translate(abstract, '<', ' ')), 'B') ||
           -- Answers are keyed by question ids (lower-case letters, digits and _), so only their
           -- values change; "<" is never escaped in jsonb's text.
           setweight(jsonb_to_tsvector('english_unaccent'::regconfig, translate(answers::text, '<', ' ')::jsonb, '["string"]'), 'C')
$$;
-- +goose StatementEnd

UPDATE proposals SET search = NULL WHERE search IS NOT NULL;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION proposal_search_vector(title text, abstract text, answers jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english_unaccent'::regconfig, title), 'A') ||
           setweight(to_tsvector('english_unaccent'::regconfig, abstract), 'B') ||
           setweight(jsonb_to_tsvector('english_unaccent'::regconfig, answers, '["string"]'), 'C')
$$;
-- +goose StatementEnd
UPDATE proposals SET search = NULL WHERE search IS NOT NULL;
