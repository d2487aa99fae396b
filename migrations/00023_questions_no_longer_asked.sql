-- +goose Up
-- A format keeps the questions it stopped asking, as they were last asked, so that the answers
-- given to them are shown under the question they answered (in a proposal's page, its history and
-- the export), and so that a question removed by mistake can be asked again with its answers. A
-- question asked again leaves this list. Questions removed before this migration are not known; their
-- answers are shown under their ids.
ALTER TABLE formats ADD COLUMN retired_fields jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(retired_fields) = 'array');

-- +goose Down
ALTER TABLE formats DROP COLUMN retired_fields;
