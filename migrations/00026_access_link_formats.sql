-- +goose Up
-- An access link may name the formats it starts proposals of, those not taking proposals from
-- everyone included (an invited panel's own format); none named is every format that takes proposals.
ALTER TABLE call_access_links ADD COLUMN format_ids bigint[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE call_access_links DROP COLUMN format_ids;
