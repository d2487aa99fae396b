-- +goose Up
-- Conflicts of interest are read for one proposal and one person on every review page, for one
-- person over a conference in lists, and for a whole conference by the assignment. The view is
-- written without common table expressions, which PostgreSQL computes in full before filtering, so
-- that those filters reach the tables; and webmail domains are set aside before pairing, not after
-- pairing every presenter with every team member who shares one.

-- The normalized institution of each account, kept as the account changes rather than computed at
-- every comparison.
ALTER TABLE users ADD COLUMN institution_key text GENERATED ALWAYS AS (institution_norm(institution)) STORED;
CREATE INDEX users_institution_key_idx ON users (institution_key) WHERE institution_key IS NOT NULL;

-- A conference's team (reviewers and organizers) as conflicts compare them; work_domain is the
-- domain of the address unless it is a public webmail domain.
CREATE VIEW conflict_team AS
SELECT cr.conference_id, cr.user_id, u.email, u.institution_key AS inst,
    CASE WHEN w.domain IS NULL THEN split_part(u.email, '@', 2) END AS work_domain
FROM (SELECT DISTINCT conference_id, user_id FROM conference_roles) cr
JOIN users u ON u.id = cr.user_id
LEFT JOIN webmail_domains w ON w.domain = split_part(u.email, '@', 2);

-- The presenters of each proposal as conflicts compare them.
CREATE VIEW conflict_presenting AS
SELECT p.conference_id, pp.proposal_id, pp.user_id, pp.email, pu.institution_key AS inst,
    CASE WHEN w.domain IS NULL THEN split_part(pp.email, '@', 2) END AS work_domain
FROM proposal_presenters pp
JOIN proposals p ON p.id = pp.proposal_id
LEFT JOIN users pu ON pu.id = pp.user_id
LEFT JOIN webmail_domains w ON w.domain = split_part(pp.email, '@', 2)
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
SELECT p.conference_id, c.proposal_id, c.user_id, CASE c.source WHEN 'reviewer' THEN 'declared_by_reviewer' ELSE 'set_by_organizer' END
    FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id
UNION ALL
SELECT p.conference_id, b.proposal_id, b.user_id, 'bid'
    FROM bids b JOIN proposals p ON p.id = b.proposal_id WHERE b.level = 'conflict';

-- +goose Down
CREATE OR REPLACE VIEW conflict_pairs AS
WITH team AS (
    SELECT DISTINCT cr.conference_id, cr.user_id, u.email, split_part(u.email, '@', 2) AS domain, institution_norm(u.institution) AS inst
    FROM conference_roles cr JOIN users u ON u.id = cr.user_id
), presenting AS (
    SELECT p.conference_id, p.id AS proposal_id, pp.user_id, pp.email, split_part(pp.email, '@', 2) AS domain,
        institution_norm(pu.institution) AS inst
    FROM proposals p JOIN proposal_presenters pp ON pp.proposal_id = p.id AND pp.status <> 'declined'
    LEFT JOIN users pu ON pu.id = pp.user_id
)
SELECT x.conference_id, x.proposal_id, t.user_id, 'presenter' AS reason
    FROM presenting x JOIN team t ON t.conference_id = x.conference_id AND (t.user_id = x.user_id OR t.email = x.email)
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'email_domain'
    FROM presenting x JOIN team t ON t.conference_id = x.conference_id AND t.domain = x.domain
    WHERE NOT EXISTS (SELECT 1 FROM webmail_domains w WHERE w.domain = x.domain)
UNION ALL
SELECT x.conference_id, x.proposal_id, t.user_id, 'institution'
    FROM presenting x JOIN team t ON t.conference_id = x.conference_id AND t.inst = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, CASE a.kind WHEN 'own' THEN 'institution' ELSE 'declared_institution' END
    FROM presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind IN ('own', 'conflict') AND a.norm = x.inst
UNION ALL
SELECT x.conference_id, x.proposal_id, a.user_id, 'declared_person'
    FROM presenting x JOIN reviewer_affiliations a ON a.conference_id = x.conference_id AND a.kind = 'person' AND a.norm = x.email
UNION ALL
SELECT p.conference_id, c.proposal_id, c.user_id, CASE c.source WHEN 'reviewer' THEN 'declared_by_reviewer' ELSE 'set_by_organizer' END
    FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id
UNION ALL
SELECT p.conference_id, b.proposal_id, b.user_id, 'bid'
    FROM bids b JOIN proposals p ON p.id = b.proposal_id WHERE b.level = 'conflict';
DROP VIEW conflict_presenting;
DROP VIEW conflict_team;
DROP INDEX users_institution_key_idx;
ALTER TABLE users DROP COLUMN institution_key;
