package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mpplayground/event"
)

// CreateRun stores a new run with status running. r.Lesson and r.Learner are
// required. An empty r.ID is filled with NewRunID; a given one must satisfy
// ValidRunID. A zero r.StartedAt is set to now, and an empty r.Nickname to
// the learner's nickname (see SetNickname). Other result fields are ignored.
func (db *DB) CreateRun(ctx context.Context, r *Run) error {
	if r.Lesson == "" || r.Learner == "" {
		return fmt.Errorf("create run: %w: lesson and learner are required", ErrInvalid)
	}
	if r.ID == "" {
		r.ID = event.NewRunID()
	} else if !event.ValidRunID(r.ID) {
		return fmt.Errorf("create run: %w: malformed id", ErrInvalid)
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = db.now()
	}
	r.StartedAt = r.StartedAt.UTC().Truncate(time.Millisecond)
	r.Status = StatusRunning
	r.EndedAt, r.ExitCode, r.Duration, r.OutputCut, r.Exercise, r.EventCount = time.Time{}, 0, 0, false, "", 0
	err := db.write(ctx, func(tx *sql.Tx) error {
		if r.Nickname == "" {
			err := tx.QueryRowContext(ctx, `SELECT nickname FROM learners WHERE id = ?`, r.Learner).Scan(&r.Nickname)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO runs (id, lesson, learner, nickname, source, started_at, status)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Lesson, r.Learner, r.Nickname, r.Source, r.StartedAt.UnixMilli(), StatusRunning)
		return err
	})
	if err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	return nil
}

// AppendEvents adds events to the end of a running run, as one compressed
// chunk. Batch them (see Recorder): one call per event works but costs a
// transaction and compresses poorly. Each event must be valid JSON.
func (db *DB) AppendEvents(ctx context.Context, runID string, events []json.RawMessage) error {
	if err := validEvents(events); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		n, err := runningRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		return appendChunk(ctx, tx, n, events)
	})
	if err != nil {
		return fmt.Errorf("append events to run %s: %w", runID, err)
	}
	return nil
}

// FinishRun completes a running run: its status and results are set and
// f.Events appended, in one transaction. It returns ErrNotFound for an
// unknown run and ErrFinished for one already finished or interrupted.
func (db *DB) FinishRun(ctx context.Context, runID string, f Finish) error {
	if f.Status == "" || f.Status == StatusRunning {
		return fmt.Errorf("finish run %s: %w: a final status is required", runID, ErrInvalid)
	}
	if err := validEvents(f.Events); err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	if f.EndedAt.IsZero() {
		f.EndedAt = db.now()
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		n, err := runningRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		if err := appendChunk(ctx, tx, n, f.Events); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, ended_at = ?, exit_code = ?, duration_ms = ?,
			output_cut = ?, exercise = ?, solved = ?, exercise_id = ? WHERE n = ?`,
			f.Status, f.EndedAt.UnixMilli(), f.ExitCode, float64(f.Duration)/float64(time.Millisecond),
			f.OutputCut, f.Exercise, f.Solved, verdictExercise(f.Exercise), n)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	return nil
}

// MarkInterrupted gives every run still "running" that started before
// startedBefore the status "interrupted" and returns how many there were.
// A server alone calls it once after Open, before new runs start, with the
// zero time (every run): only a crash leaves runs running across an open.
// Servers that share a database give the time before which no run can
// still be going. The runs' events up to the crash are kept.
func (db *DB) MarkInterrupted(ctx context.Context, startedBefore time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = ? WHERE status = ? AND (? OR started_at < ?)`,
			StatusInterrupted, StatusRunning, startedBefore.IsZero(), startedBefore.UnixMilli())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark interrupted runs: %w", err)
	}
	return int(n), nil
}

// runningRun returns the row number of a run that is still running.
func runningRun(ctx context.Context, tx *sql.Tx, id string) (int64, error) {
	if !event.ValidRunID(id) {
		return 0, ErrNotFound
	}
	var n int64
	var status string
	err := tx.QueryRowContext(ctx, `SELECT n, status FROM runs WHERE id = ?`, id).Scan(&n, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if status != StatusRunning {
		return 0, fmt.Errorf("%w (status %s)", ErrFinished, status)
	}
	return n, nil
}

func appendChunk(ctx context.Context, tx *sql.Tx, n int64, events []json.RawMessage) error {
	if len(events) == 0 {
		return nil
	}
	var first int64
	if err := tx.QueryRowContext(ctx, `SELECT event_count FROM runs WHERE n = ?`, n).Scan(&first); err != nil {
		return err
	}
	codec, data := encodeChunk(events)
	if _, err := tx.ExecContext(ctx, `INSERT INTO run_chunks (run, first, count, codec, data) VALUES (?, ?, ?, ?, ?)`,
		n, first, len(events), codec, data); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE runs SET event_count = event_count + ? WHERE n = ?`, len(events), n)
	return err
}

// summaryColumns are the columns scanned by scanSummary, in its order.
const summaryColumns = `id, lesson, learner, nickname, source, started_at, ended_at, status,
	exit_code, duration_ms, output_cut, exercise, event_count`

type scanner interface{ Scan(...any) error }

// scanSummary scans summaryColumns into s, then any further columns into
// extra.
func scanSummary(row scanner, s *RunSummary, extra ...any) error {
	var started int64
	var ended sql.NullInt64
	var durMS float64
	dest := append([]any{&s.ID, &s.Lesson, &s.Learner, &s.Nickname, &s.Source, &started, &ended, &s.Status,
		&s.ExitCode, &durMS, &s.OutputCut, &s.Exercise, &s.EventCount}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	s.StartedAt = time.UnixMilli(started).UTC()
	if ended.Valid {
		s.EndedAt = time.UnixMilli(ended.Int64).UTC()
	}
	s.Duration = time.Duration(durMS * float64(time.Millisecond))
	return nil
}

// GetRun returns the run with the given id and all its events. It returns
// ErrNotFound for an unknown or malformed id.
func (db *DB) GetRun(ctx context.Context, id string) (*Run, error) {
	if !event.ValidRunID(id) {
		return nil, fmt.Errorf("get run: %w", ErrNotFound)
	}
	// One read transaction: the row and its chunks come from one snapshot
	// even while the run is being appended to.
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only; nothing to undo

	r := &Run{}
	var n int64
	row := tx.QueryRowContext(ctx, `SELECT `+summaryColumns+`, n FROM runs WHERE id = ?`, id)
	err = scanSummary(row, &r.RunSummary, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT first, count, codec, data FROM run_chunks WHERE run = ? ORDER BY first`, n)
	if err != nil {
		return nil, fmt.Errorf("get run %s: events: %w", id, err)
	}
	defer rows.Close()
	r.Events = make([]json.RawMessage, 0, r.EventCount)
	for rows.Next() {
		var first, count, codec int
		var data []byte
		if err := rows.Scan(&first, &count, &codec, &data); err != nil {
			return nil, fmt.Errorf("get run %s: events: %w", id, err)
		}
		if first != len(r.Events) {
			return nil, fmt.Errorf("get run %s: events: chunk at %d, want %d", id, first, len(r.Events))
		}
		if r.Events, err = decodeChunk(r.Events, codec, count, data); err != nil {
			return nil, fmt.Errorf("get run %s: events: %w", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get run %s: events: %w", id, err)
	}
	if len(r.Events) != r.EventCount {
		return nil, fmt.Errorf("get run %s: %d events stored, %d recorded", id, len(r.Events), r.EventCount)
	}
	return r, nil
}

// ListRuns returns the runs that match f, newest first, without their
// events. An index serves each combination of Learner and Lesson, so a page
// costs the same however many runs are stored.
func (db *DB) ListRuns(ctx context.Context, f Filter) ([]RunSummary, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)

	var where []string
	var args []any
	if f.Learner != "" {
		where = append(where, "learner = ?")
		args = append(args, f.Learner)
	}
	if f.Lesson != "" {
		where = append(where, "lesson = ?")
		args = append(args, f.Lesson)
	}
	if f.Before != "" {
		if !event.ValidRunID(f.Before) {
			return nil, nil
		}
		where = append(where, "n < (SELECT n FROM runs WHERE id = ?)")
		args = append(args, f.Before)
	}
	q := `SELECT ` + summaryColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY n DESC LIMIT ?`
	args = append(args, limit)

	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var s RunSummary
		if err := scanSummary(rows, &s); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// CountRuns returns how many runs are stored.
func (db *DB) CountRuns(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// SetNickname records the nickname of a learner; later runs of the learner
// carry it (runs already stored keep the one they had).
func (db *DB) SetNickname(ctx context.Context, learner, nickname string) error {
	if learner == "" {
		return fmt.Errorf("set nickname: %w: learner is required", ErrInvalid)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO learners (id, nickname, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET nickname = excluded.nickname, updated_at = excluded.updated_at`,
			learner, nickname, db.now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("set nickname: %w", err)
	}
	return nil
}

// Nickname returns the nickname of a learner, or "" when none was set.
func (db *DB) Nickname(ctx context.Context, learner string) (string, error) {
	var nick string
	err := db.r.QueryRowContext(ctx, `SELECT nickname FROM learners WHERE id = ?`, learner).Scan(&nick)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("nickname: %w", err)
	}
	return nick, nil
}
