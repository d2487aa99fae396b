-- +goose Up
-- The committee's decision on a proposal, and the presenters' confirmation that they will take part.
-- A decision is recorded first and told to the presenters only when the organizers release it.
CREATE TYPE proposal_decision AS ENUM ('accepted', 'rejected', 'waitlisted');
CREATE TYPE participation AS ENUM ('pending', 'confirmed', 'declined');

ALTER TABLE proposals
    ADD COLUMN decision            proposal_decision,
    -- Accepted as another format than proposed (e.g. a workshop as a poster).
    ADD COLUMN decided_format_id   bigint REFERENCES formats (id),
    ADD COLUMN decision_note       text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 4000),
    -- Why the decision departs from the calibrated ranking, when it does.
    ADD COLUMN decision_reason     text NOT NULL DEFAULT '' CHECK (length(decision_reason) <= 4000),
    ADD COLUMN decided_at          timestamptz,
    ADD COLUMN decided_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN decision_released_at timestamptz,
    ADD COLUMN participation       participation,
    ADD COLUMN confirm_by          timestamptz,
    ADD COLUMN participation_at    timestamptz,
    ADD CONSTRAINT proposals_decision_check CHECK (decision IS NULL OR status = 'submitted' OR status = 'withdrawn'),
    ADD CONSTRAINT proposals_participation_check CHECK (participation IS NULL OR decision = 'accepted');
CREATE INDEX proposals_accepted_idx ON proposals (conference_id) WHERE decision = 'accepted';

-- +goose Down
DROP INDEX proposals_accepted_idx;
ALTER TABLE proposals DROP CONSTRAINT proposals_participation_check, DROP CONSTRAINT proposals_decision_check,
    DROP COLUMN decision, DROP COLUMN decided_format_id, DROP COLUMN decision_note, DROP COLUMN decision_reason,
    DROP COLUMN decided_at, DROP COLUMN decided_by, DROP COLUMN decision_released_at, DROP COLUMN participation,
    DROP COLUMN confirm_by, DROP COLUMN participation_at;
DROP TYPE participation;
DROP TYPE proposal_decision;
