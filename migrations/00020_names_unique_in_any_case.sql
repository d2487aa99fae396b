-- +goose Up
-- A conference's tracks and formats are told apart by name, and "UNDERGRADUATE medical education"
-- beside "Undergraduate medical education" is the same track to every reader: names are now unique
-- whatever their case. A name that already repeats another in another case gets its id appended, so
-- that nothing is lost and an organizer can see and rename it (shortened to stay within 200
-- characters). The indexes keep the constraints'
-- names, which the service turns into a field error.
UPDATE tracks t SET name = left(t.name, 200 - length(' (' || t.id || ')')) || ' (' || t.id || ')'
WHERE EXISTS (SELECT 1 FROM tracks o WHERE o.conference_id = t.conference_id AND lower(o.name) = lower(t.name) AND o.id < t.id);
ALTER TABLE tracks DROP CONSTRAINT tracks_name_key;
CREATE UNIQUE INDEX tracks_name_key ON tracks (conference_id, lower(name));

UPDATE formats f SET name = left(f.name, 200 - length(' (' || f.id || ')')) || ' (' || f.id || ')'
WHERE EXISTS (SELECT 1 FROM formats o WHERE o.conference_id = f.conference_id AND lower(o.name) = lower(f.name) AND o.id < f.id);
ALTER TABLE formats DROP CONSTRAINT formats_name_key;
CREATE UNIQUE INDEX formats_name_key ON formats (conference_id, lower(name));

-- +goose Down
DROP INDEX formats_name_key;
ALTER TABLE formats ADD CONSTRAINT formats_name_key UNIQUE (conference_id, name);
DROP INDEX tracks_name_key;
ALTER TABLE tracks ADD CONSTRAINT tracks_name_key UNIQUE (conference_id, name);
