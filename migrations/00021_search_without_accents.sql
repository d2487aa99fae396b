-- +goose Up
-- Search finds a word whatever its accents: "resume" finds "résumé", "Nunez" finds "Núñez". Names,
-- places and borrowed words in this field carry accents that organizers do not always type. The
-- configuration english_unaccent is English with PostgreSQL's unaccent dictionary before stemming;
-- where the server lacks the unaccent module (it ships with PostgreSQL's contrib modules) it is
-- plain English, and search works as before. Every proposal's vector is emptied, for the indexer to
-- fill again; until then a search computes it as it reads.

-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'no unaccent module (%): search keeps accents', SQLERRM;
    END;
    CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
    IF EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'unaccent') THEN
        ALTER TEXT SEARCH CONFIGURATION english_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION proposal_search_vector(title text, abstract text, answers jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english_unaccent'::regconfig, title), 'A') ||
           setweight(to_tsvector('english_unaccent'::regconfig, abstract), 'B') ||
           setweight(jsonb_to_tsvector('english_unaccent'::regconfig, answers, '["string"]'), 'C')
$$;
-- +goose StatementEnd

UPDATE proposals SET search = NULL WHERE search IS NOT NULL;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION proposal_search_vector(title text, abstract text, answers jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, title), 'A') ||
           setweight(to_tsvector('english'::regconfig, abstract), 'B') ||
           setweight(jsonb_to_tsvector('english'::regconfig, answers, '["string"]'), 'C')
$$;
-- +goose StatementEnd
UPDATE proposals SET search = NULL WHERE search IS NOT NULL;
DROP TEXT SEARCH CONFIGURATION english_unaccent;
