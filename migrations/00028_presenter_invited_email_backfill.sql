-- +goose Up
-- Presenters who accepted an invitation before 00027 kept no invited address, so the address the
-- invitation went to could be invited again into a second place. The outbox still holds each
-- invitation sent, keyed by its presenter: the last one sent before the answer is the one accepted.
-- Only an address other than the presenter's own is kept, as 00027 does.
UPDATE proposal_presenters pp
SET invited_email = sent.recipient
FROM (
    SELECT DISTINCT ON (x.id) x.id, lower(m.recipient) AS recipient
    FROM email_messages m
    JOIN proposal_presenters x
      ON x.id = CASE WHEN m.event_key ~ '^presenter-invitation:[0-9]+:' THEN split_part(m.event_key, ':', 2)::bigint END
     AND (x.answered_at IS NULL OR m.created_at <= x.answered_at)
    WHERE m.event_key ~ '^presenter-invitation:[0-9]+:'
      AND x.status = 'accepted' AND x.invited_email IS NULL AND NOT x.is_owner
    ORDER BY x.id, m.created_at DESC, m.id DESC
) sent
WHERE pp.id = sent.id
  AND sent.recipient <> pp.email
  AND length(sent.recipient) BETWEEN 3 AND 254;

-- +goose Down
-- The addresses filled in above cannot be told from those kept at acceptance; both stay.
SELECT 1;
