-- +goose Up
-- A presenter who accepted (a proposal's owner, or a co-presenter who accepted an invitation) is
-- addressed by their account's address as it is now; proposal_presenters.email keeps the address
-- they joined with, which a change of the account's address does not rewrite (as with their name,
-- see presenterName in internal/store). An invitation not yet answered, or declined, is still the
-- address it was sent to.

-- An address is unique among the invitations of a proposal; who has accepted is unique by account
-- (proposal_presenters_user_key). The address an accepted presenter joined with no longer holds a
-- place once their account's address is another: the account's address, and the one their
-- invitation was sent to, are refused by the service, under the proposal's lock.
ALTER TABLE proposal_presenters DROP CONSTRAINT proposal_presenters_email_key;
CREATE UNIQUE INDEX proposal_presenters_email_key ON proposal_presenters (proposal_id, email) WHERE status <> 'accepted';
-- The unique constraint's index was also how a proposal's presenters were found (every read of a
-- proposal, every save's answer); partial, it no longer finds them all.
CREATE INDEX proposal_presenters_proposal_idx ON proposal_presenters (proposal_id);

-- Conflicts of interest compare an accepted presenter by their account's address now (as they do by
-- its institution); a reviewer who declared a conflict with a person by the address the presenter
-- joined with still has it.
CREATE OR REPLACE VIEW conflict_presenting AS
SELECT p.conference_id, pp.proposal_id, pp.user_id, coalesce(pu.email, pp.email) AS email, pu.institution_key AS inst,
    CASE WHEN w.domain IS NULL THEN split_part(coalesce(pu.email, pp.email), '@', 2) END AS work_domain,
    pp.email AS joined_email
FROM proposal_presenters pp
JOIN proposals p ON p.id = pp.proposal_id
LEFT JOIN users pu ON pu.id = pp.user_id AND pp.status = 'accepted'
LEFT JOIN webmail_domains w ON w.domain = split_part(coalesce(pu.email, pp.email), '@', 2)
WHERE pp.status <> 'declined';

CREATE OR REPLACE VIEW conflict_pairs AS
SELECT x.conference_id, x.proposal_id, t.user_id, 'presenter' AS reason
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.user_id = x.user_id
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'presenter'
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.email = x.email
    WHERE x.user_id IS NULL OR x.user_id <> t.user_id
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'email_domain'
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.work_domain = x.work_domain
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'institution'
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.inst = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, CASE a.kind WHEN 'own' THEN 'institution' ELSE 'declared_institution' END
    FROM conflict_presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind IN ('own', 'conflict') AND a.norm = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, 'declared_person'
    FROM conflict_presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind = 'person' AND a.norm = x.email
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, 'declared_person'
    FROM conflict_presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind = 'person' AND a.norm = x.joined_email
    WHERE x.joined_email <> x.email
UNION ALL
SELECT p.conference_id, c.proposal_id, c.user_id, CASE c.source WHEN 'reviewer' THEN 'declared_by_reviewer' ELSE 'set_by_organizer' END
    FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id
UNION ALL
SELECT p.conference_id, b.proposal_id, b.user_id, 'bid'
    FROM bids b JOIN proposals p ON p.id = b.proposal_id WHERE b.level = 'conflict';

-- A decision notice is written to a presenter for organizers to read before it is sent: it is sent
-- to the presenter's address as it is when it is sent. A draft knows its presenter; a sent notice
-- keeps the address it went to (recipient).
ALTER TABLE notices ADD COLUMN presenter_id bigint REFERENCES proposal_presenters (id) ON DELETE SET NULL;
UPDATE notices n SET presenter_id = pp.id
FROM proposal_presenters pp
WHERE n.status = 'draft' AND pp.proposal_id = n.proposal_id AND pp.email = n.recipient AND pp.status = 'accepted';

-- +goose Down
ALTER TABLE notices DROP COLUMN presenter_id;

DROP VIEW conflict_pairs;
DROP VIEW conflict_presenting;
CREATE VIEW conflict_presenting AS
SELECT p.conference_id, pp.proposal_id, pp.user_id, pp.email, pu.institution_key AS inst,
    CASE WHEN w.domain IS NULL THEN split_part(pp.email, '@', 2) END AS work_domain
FROM proposal_presenters pp
JOIN proposals p ON p.id = pp.proposal_id
LEFT JOIN users pu ON pu.id = pp.user_id
LEFT JOIN webmail_domains w ON w.domain = split_part(pp.email, '@', 2)
WHERE pp.status <> 'declined';

CREATE VIEW conflict_pairs AS
SELECT x.conference_id, x.proposal_id, t.user_id, 'presenter' AS reason
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.user_id = x.user_id
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'presenter'
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.email = x.email
    WHERE x.user_id IS NULL OR x.user_id <> t.user_id
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'email_domain'
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.work_domain = x.work_domain
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'institution'
    FROM conflict_presenting x JOIN conflict_team t ON t.conference_id = x.conference_id AND t.inst = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, CASE a.kind WHEN 'own' THEN 'institution' ELSE 'declared_institution' END
    FROM conflict_presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind IN ('own', 'conflict') AND a.norm = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, 'declared_person'
    FROM conflict_presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind = 'person' AND a.norm = x.email
UNION ALL
SELECT p.conference_id, c.proposal_id, c.user_id, CASE c.source WHEN 'reviewer' THEN 'declared_by_reviewer' ELSE 'set_by_organizer' END
    FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id
UNION ALL
SELECT p.conference_id, b.proposal_id, b.user_id, 'bid'
    FROM bids b JOIN proposals p ON p.id = b.proposal_id WHERE b.level = 'conflict';

DROP INDEX proposal_presenters_proposal_idx;
DROP INDEX proposal_presenters_email_key;
ALTER TABLE proposal_presenters ADD CONSTRAINT proposal_presenters_email_key UNIQUE (proposal_id, email);
