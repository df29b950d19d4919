-- Runs and their events: the schema of migrations/0001_runs.sql (SQLite's),
-- in PostgreSQL's types.
--
-- n is the order of creation: history pages and retention walk it, so a
-- run's place never depends on clocks. id is the unguessable public name.
CREATE TABLE runs (
	n           bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id          text             NOT NULL UNIQUE,
	lesson      text             NOT NULL,
	learner     text             NOT NULL,
	nickname    text             NOT NULL DEFAULT '',
	source      text             NOT NULL,
	started_at  timestamptz      NOT NULL,            -- to the millisecond
	ended_at    timestamptz,                          -- NULL while running or when interrupted
	status      text             NOT NULL,
	exit_code   integer          NOT NULL DEFAULT 0,
	duration_ms double precision NOT NULL DEFAULT 0,
	output_cut  boolean          NOT NULL DEFAULT false,
	exercise    text             NOT NULL DEFAULT '', -- opaque JSON, '' when none
	event_count integer          NOT NULL DEFAULT 0
);

-- A learner's history of one lesson, newest first.
CREATE INDEX runs_learner_lesson ON runs (learner, lesson, n);
-- A learner's history across lessons, newest first.
CREATE INDEX runs_learner ON runs (learner, n);
-- All runs of one lesson (a teacher's view), newest first.
CREATE INDEX runs_lesson ON runs (lesson, n);
-- Runs left running by a crash are found without a scan.
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

-- The events of a run in chunks, one chunk per append, encoded as in
-- SQLite (store/chunk.go). first is the 0-based position of the chunk's
-- first event in the run; data holds count events framed by their lengths
-- and, for codec 1, deflated.
CREATE TABLE run_chunks (
	run   bigint   NOT NULL REFERENCES runs (n) ON DELETE CASCADE,
	first integer  NOT NULL,
	count integer  NOT NULL,
	codec smallint NOT NULL,
	data  bytea    NOT NULL,
	PRIMARY KEY (run, first)
);
-- The chunks are deflated already: stored out of line as they are, not
-- compressed a second time.
ALTER TABLE run_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Nicknames chosen by anonymous learners.
CREATE TABLE learners (
	id         text        PRIMARY KEY,
	nickname   text        NOT NULL,
	updated_at timestamptz NOT NULL
);
