-- Classes: a teacher's group of learners, joined by a short code.
--
-- A run belongs to a class when its learner is a member and it started at
-- or after the member joined (class_members.joined_at): the runs table is
-- not changed by joining, leaving or removing a class.
CREATE TABLE classes (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	code       TEXT    NOT NULL UNIQUE,   -- the join code, upper case
	closes_at  INTEGER,                   -- Unix milliseconds, UTC; NULL: open for good
	created_at INTEGER NOT NULL
);

-- The learners of a class: an anonymous learner id under a display name
-- that is unique in the class.
CREATE TABLE class_members (
	id        INTEGER PRIMARY KEY,
	class     INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
	learner   TEXT    NOT NULL,
	name      TEXT    NOT NULL,
	joined_at INTEGER NOT NULL,           -- Unix milliseconds, UTC
	UNIQUE (class, learner),
	UNIQUE (class, name)
);
-- A learner's classes.
CREATE INDEX class_members_learner ON class_members (learner);

-- Names a learner may pick from when joining (an imported roster).
CREATE TABLE class_roster (
	class INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
	name  TEXT    NOT NULL,
	PRIMARY KEY (class, name)
) WITHOUT ROWID;

-- The exercise a run was judged against, '' for a lesson's example and for
-- runs without a verdict: the progress grid groups runs by it. Runs kept
-- before the column have it from their stored verdict.
ALTER TABLE runs ADD COLUMN exercise_id TEXT NOT NULL DEFAULT '';
UPDATE runs SET exercise_id = json_extract(exercise, '$.exercise')
	WHERE exercise <> '' AND json_valid(exercise) AND json_type(exercise, '$.exercise') = 'text';
-- A learner's runs in time order, for a class's progress.
CREATE INDEX runs_learner_started ON runs (learner, started_at);
