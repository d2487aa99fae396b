-- +goose Up
-- Organizers find proposals by a presenter's name or address, whatever its accents and case:
-- "ramirez" finds "Ramírez". search_fold is lower case without accents where the server has the
-- unaccent module (00021 installs it when it can), lower case alone where it has not.

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
            'SELECT lower(unaccent(t))';
    ELSE
        CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            'SELECT lower(t)';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION search_fold(text);
