-- +goose Up
-- A person's profile, shown with their proposals once accepted and offered to prefill registration:
-- pronouns, their role at the interface of medical education and the community, institution, bio.
ALTER TABLE users
    ADD COLUMN pronouns         text NOT NULL DEFAULT '' CHECK (length(pronouns) <= 40),
    ADD COLUMN participant_role text NOT NULL DEFAULT '' CHECK (participant_role IN ('', 'medical_student',
        'house_staff', 'dean', 'director', 'faculty', 'academic_administrator', 'community_member',
        'graduate_student', 'postdoctoral_fellow', 'other')),
    ADD COLUMN role_other       text NOT NULL DEFAULT '' CHECK (length(role_other) <= 100),
    ADD COLUMN institution      text NOT NULL DEFAULT '' CHECK (length(institution) <= 200),
    ADD COLUMN bio              text NOT NULL DEFAULT '' CHECK (length(bio) <= 2000);

-- +goose Down
ALTER TABLE users DROP COLUMN pronouns, DROP COLUMN participant_role, DROP COLUMN role_other,
    DROP COLUMN institution, DROP COLUMN bio;
