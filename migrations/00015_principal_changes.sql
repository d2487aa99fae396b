-- +goose Up
-- Each instance keeps what an API token authenticated as (the token, its account and the account's
-- conference roles) in memory for a minute, so that a client's every request is not a lookup. Every
-- change to any of that is announced on the channel "principals" with the account's id (0 for every
-- account), for each instance to drop what it kept; an instance that is not listening keeps nothing.

-- +goose StatementBegin
CREATE FUNCTION notify_principals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    col text := TG_ARGV[0]; -- the column holding the account's id; none for every account
BEGIN
    IF col IS NULL THEN
        PERFORM pg_notify('principals', '0');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('principals', to_jsonb(OLD) ->> col);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('principals', to_jsonb(NEW) ->> col);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_principals_update AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION notify_principals('id');
CREATE TRIGGER users_principals_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_principals('id');

-- A token's last use is recorded once a minute; that is no change to what it authenticates as.
CREATE TRIGGER api_tokens_principals_update AFTER UPDATE ON api_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.token_hash IS DISTINCT FROM NEW.token_hash
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.prefix IS DISTINCT FROM NEW.prefix)
    EXECUTE FUNCTION notify_principals('user_id');
CREATE TRIGGER api_tokens_principals_delete AFTER DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION notify_principals('user_id');

CREATE TRIGGER conference_roles_principals AFTER INSERT OR UPDATE OR DELETE ON conference_roles
    FOR EACH ROW EXECUTE FUNCTION notify_principals('user_id');

-- Roles carry their conference's slug and name, ordered by its first day.
CREATE TRIGGER conferences_principals_update AFTER UPDATE ON conferences
    FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.name IS DISTINCT FROM NEW.name OR OLD.starts_on IS DISTINCT FROM NEW.starts_on)
    EXECUTE FUNCTION notify_principals();
CREATE TRIGGER conferences_principals_delete AFTER DELETE ON conferences
    FOR EACH ROW EXECUTE FUNCTION notify_principals();

-- +goose Down
DROP TRIGGER conferences_principals_delete ON conferences;
DROP TRIGGER conferences_principals_update ON conferences;
DROP TRIGGER conference_roles_principals ON conference_roles;
DROP TRIGGER api_tokens_principals_delete ON api_tokens;
DROP TRIGGER api_tokens_principals_update ON api_tokens;
DROP TRIGGER users_principals_delete ON users;
DROP TRIGGER users_principals_update ON users;
DROP FUNCTION notify_principals();
