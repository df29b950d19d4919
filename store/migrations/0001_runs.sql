-- Runs and their events.
--
-- n is the order of creation: history pages and retention walk it, so a
-- run's place never depends on clocks. id is the unguessable public name.
CREATE TABLE runs (
	n           INTEGER PRIMARY KEY,
	id          TEXT    NOT NULL UNIQUE,
	lesson      TEXT    NOT NULL,
	learner     TEXT    NOT NULL,
	nickname    TEXT    NOT NULL DEFAULT '',
	source      TEXT    NOT NULL,
	started_at  INTEGER NOT NULL,            -- Unix milliseconds, UTC
	ended_at    INTEGER,                     -- NULL while running or when interrupted
	status      TEXT    NOT NULL,
	exit_code   INTEGER NOT NULL DEFAULT 0,
	duration_ms REAL    NOT NULL DEFAULT 0,
	output_cut  INTEGER NOT NULL DEFAULT 0,
	exercise    TEXT    NOT NULL DEFAULT '', -- opaque JSON, '' when none
	event_count INTEGER NOT NULL DEFAULT 0
);

-- A learner's history of one lesson, newest first.
CREATE INDEX runs_learner_lesson ON runs (learner, lesson, n);
-- A learner's history across lessons, newest first.
CREATE INDEX runs_learner ON runs (learner, n);
-- All runs of one lesson (a teacher's view), newest first.
CREATE INDEX runs_lesson ON runs (lesson, n);
-- Runs left running by a crash are found without a scan.
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

-- The events of a run in chunks, one chunk per append. first is the
-- 0-based position of the chunk's first event in the run; data holds
-- count events framed by their lengths and, for codec 1, deflated.
CREATE TABLE run_chunks (
	run   INTEGER NOT NULL REFERENCES runs (n) ON DELETE CASCADE,
	first INTEGER NOT NULL,
	count INTEGER NOT NULL,
	codec INTEGER NOT NULL,
	data  BLOB    NOT NULL,
	PRIMARY KEY (run, first)
) WITHOUT ROWID;

-- Nicknames chosen by anonymous learners.
CREATE TABLE learners (
	id         TEXT    PRIMARY KEY,
	nickname   TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;
