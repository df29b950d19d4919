-- Classes: the schema of migrations/0003_classes.sql (SQLite's), in
-- PostgreSQL's types.
--
-- A run belongs to a class when its learner is a member and it started at
-- or after the member joined (class_members.joined_at): the runs table is
-- not changed by joining, leaving or removing a class.
CREATE TABLE classes (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text        NOT NULL,
	code       text        NOT NULL UNIQUE,   -- the join code, upper case
	closes_at  timestamptz,                   -- NULL: open for good
	created_at timestamptz NOT NULL
);

-- The learners of a class: an anonymous learner id under a display name
-- that is unique in the class.
CREATE TABLE class_members (
	id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	class     bigint      NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
	learner   text        NOT NULL,
	name      text        NOT NULL,
	joined_at timestamptz NOT NULL,
	UNIQUE (class, learner),
	UNIQUE (class, name)
);
-- A learner's classes.
CREATE INDEX class_members_learner ON class_members (learner);

-- Names a learner may pick from when joining (an imported roster).
CREATE TABLE class_roster (
	class bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
	name  text   NOT NULL,
	PRIMARY KEY (class, name)
);

-- The exercise a run was judged against, '' for a lesson's example and for
-- runs without a verdict: the progress grid groups runs by it. Runs kept
-- before the column have it from their stored verdict; a verdict that is
-- not JSON leaves it ''.
ALTER TABLE runs ADD COLUMN exercise_id text NOT NULL DEFAULT '';
DO $$
DECLARE r record;
BEGIN
	FOR r IN SELECT n, exercise FROM runs WHERE exercise LIKE '{%' LOOP
		BEGIN
			UPDATE runs SET exercise_id = coalesce(r.exercise::jsonb ->> 'exercise', '') WHERE n = r.n;
		EXCEPTION WHEN others THEN
			NULL;
		END;
	END LOOP;
END $$;
-- A learner's runs in time order, for a class's progress.
CREATE INDEX runs_learner_started ON runs (learner, started_at);
