package store

import (
	"context"
	"fmt"
)

// LessonProgress is one learner's record on one lesson.
type LessonProgress struct {
	Runs   int // runs of the lesson
	Solved int // runs whose Exercise value says "solved": true
}

// Progress returns, per lesson slug, how many runs a learner made and how
// many of them solved the lesson's exercise. A run counts as solved when its
// Exercise value (opaque to the store otherwise) is a JSON object whose
// top-level "solved" member is true. Lessons the learner never ran are
// absent. It walks the learner's index, not the whole table.
func (db *DB) Progress(ctx context.Context, learner string) (map[string]LessonProgress, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT lesson, count(*),
		sum(CASE WHEN exercise <> '' AND json_valid(exercise) AND json_extract(exercise, '$.solved') = 1 THEN 1 ELSE 0 END)
		FROM runs WHERE learner = ? GROUP BY lesson`, learner)
	if err != nil {
		return nil, fmt.Errorf("progress: %w", err)
	}
	defer rows.Close()
	out := map[string]LessonProgress{}
	for rows.Next() {
		var lesson string
		var p LessonProgress
		if err := rows.Scan(&lesson, &p.Runs, &p.Solved); err != nil {
			return nil, fmt.Errorf("progress: %w", err)
		}
		out[lesson] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("progress: %w", err)
	}
	return out, nil
}
