-- +goose Up
-- The sample proposals of a conference's calibration round: every reviewer who does not conflict
-- with one scores it before their own assignments.
CREATE TABLE calibration_proposals (
    conference_id bigint NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    proposal_id   bigint NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conference_id, proposal_id)
);

-- +goose Down
DROP TABLE calibration_proposals;
