-- Whether a run solved its lesson's exercise (every check of an exercise
-- passed): progress is counted from it. Runs kept before the column have
-- it from their stored verdict.
ALTER TABLE runs ADD COLUMN solved INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET solved = 1
	WHERE exercise <> '' AND json_valid(exercise) AND json_extract(exercise, '$.solved') = 1;
