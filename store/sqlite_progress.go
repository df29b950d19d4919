package store

import (
	"context"
	"fmt"
)

// Progress returns, per lesson slug, how many runs a learner made and how
// many of them solved the lesson's exercise. Lessons the learner never ran
// are absent. It walks the learner's index, not the whole table.
func (db *DB) Progress(ctx context.Context, learner string) (map[string]LessonProgress, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT lesson, count(*),
		sum(solved)
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
