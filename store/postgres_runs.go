package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"mpplayground/event"
)

// Each write below is one statement, so it is atomic without a
// transaction and costs one round trip; a statement that updates a run
// locks its row, so writes to one run follow each other.

// CreateRun stores a new run with status running; see DB.CreateRun.
func (db *Postgres) CreateRun(ctx context.Context, r *Run) error {
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
	err := db.pool.QueryRow(ctx, `INSERT INTO runs (id, lesson, learner, nickname, source, started_at, status)
		VALUES ($1, $2, $3, CASE WHEN $4 <> '' THEN $4
			ELSE coalesce((SELECT nickname FROM learners WHERE id = $3), '') END, $5, $6, $7)
		RETURNING nickname`,
		r.ID, r.Lesson, r.Learner, r.Nickname, r.Source, r.StartedAt, StatusRunning).Scan(&r.Nickname)
	if err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	return nil
}

// AppendEvents adds events to the end of a running run, as one compressed
// chunk; see DB.AppendEvents.
func (db *Postgres) AppendEvents(ctx context.Context, runID string, events []json.RawMessage) error {
	if err := validEvents(events); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	if err := db.appendEvents(ctx, runID, events); err != nil {
		return fmt.Errorf("append events to run %s: %w", runID, err)
	}
	return nil
}

func (db *Postgres) appendEvents(ctx context.Context, runID string, events []json.RawMessage) error {
	if !event.ValidRunID(runID) {
		return ErrNotFound
	}
	if len(events) == 0 {
		return db.notRunning(ctx, runID, true)
	}
	codec, data := encodeChunk(events)
	tag, err := db.pool.Exec(ctx, `WITH r AS (
			UPDATE runs SET event_count = event_count + $2 WHERE id = $1 AND status = $3
			RETURNING n, event_count - $2 AS first)
		INSERT INTO run_chunks (run, first, count, codec, data) SELECT n, first, $2, $4::smallint, $5::bytea FROM r`,
		runID, len(events), StatusRunning, codec, data)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return db.notRunning(ctx, runID, false)
	}
	return nil
}

// notRunning says why a write to runID changed nothing: ErrNotFound or
// ErrFinished. With orRunning, a running run is no error (a write of
// nothing to a running run).
func (db *Postgres) notRunning(ctx context.Context, runID string, orRunning bool) error {
	var status string
	err := db.pool.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1`, runID).Scan(&status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case status == StatusRunning && orRunning:
		return nil
	}
	return fmt.Errorf("%w (status %s)", ErrFinished, status)
}

// FinishRun completes a running run: its status and results are set and
// f.Events appended, in one statement; see DB.FinishRun.
func (db *Postgres) FinishRun(ctx context.Context, runID string, f Finish) error {
	if f.Status == "" || f.Status == StatusRunning {
		return fmt.Errorf("finish run %s: %w: a final status is required", runID, ErrInvalid)
	}
	if err := validEvents(f.Events); err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	if f.EndedAt.IsZero() {
		f.EndedAt = db.now()
	}
	if err := db.finishRun(ctx, runID, f); err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	return nil
}

func (db *Postgres) finishRun(ctx context.Context, runID string, f Finish) error {
	if !event.ValidRunID(runID) {
		return ErrNotFound
	}
	var codec int
	var data []byte
	if len(f.Events) > 0 {
		codec, data = encodeChunk(f.Events)
	}
	var finished int
	err := db.pool.QueryRow(ctx, `WITH r AS (
			UPDATE runs SET status = $2, ended_at = $3, exit_code = $4, duration_ms = $5, output_cut = $6,
				exercise = $7, solved = $8, event_count = event_count + $9, exercise_id = $13
			WHERE id = $1 AND status = $10
			RETURNING n, event_count - $9 AS first),
		c AS (
			INSERT INTO run_chunks (run, first, count, codec, data)
			SELECT n, first, $9, $11::smallint, $12::bytea FROM r WHERE $9 > 0)
		SELECT count(*) FROM r`,
		runID, f.Status, f.EndedAt.UTC().Truncate(time.Millisecond), f.ExitCode,
		float64(f.Duration)/float64(time.Millisecond), f.OutputCut, f.Exercise, f.Solved,
		len(f.Events), StatusRunning, codec, data, verdictExercise(f.Exercise)).Scan(&finished)
	if err != nil {
		return err
	}
	if finished == 0 {
		return db.notRunning(ctx, runID, false)
	}
	return nil
}

// NewRecorder returns a Recorder for the running run id; see
// DB.NewRecorder.
func (db *Postgres) NewRecorder(ctx context.Context, id string) *Recorder {
	return &Recorder{db: db, id: id, ctx: ctx}
}

// MarkInterrupted gives every run still "running" that started before
// startedBefore (every one, when it is zero) the status "interrupted" and
// returns how many there were; see DB.MarkInterrupted.
func (db *Postgres) MarkInterrupted(ctx context.Context, startedBefore time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE runs SET status = $1 WHERE status = $2 AND ($3 OR started_at < $4)`,
		StatusInterrupted, StatusRunning, startedBefore.IsZero(), startedBefore)
	if err != nil {
		return 0, fmt.Errorf("mark interrupted runs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// pgSummaryColumns are the columns scanned by pgScanSummary, in its order.
const pgSummaryColumns = `id, lesson, learner, nickname, source, started_at, ended_at, status,
	exit_code, duration_ms, output_cut, exercise, event_count`

// pgScanSummary scans pgSummaryColumns into s, then any further columns
// into extra.
func pgScanSummary(row pgx.Row, s *RunSummary, extra ...any) error {
	var ended pgtype.Timestamptz
	var durMS float64
	dest := append([]any{&s.ID, &s.Lesson, &s.Learner, &s.Nickname, &s.Source, &s.StartedAt, &ended, &s.Status,
		&s.ExitCode, &durMS, &s.OutputCut, &s.Exercise, &s.EventCount}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	s.StartedAt = s.StartedAt.UTC()
	if ended.Valid {
		s.EndedAt = ended.Time.UTC()
	}
	s.Duration = time.Duration(durMS * float64(time.Millisecond))
	return nil
}

// GetRun returns the run with the given id and all its events; see
// DB.GetRun. The row and its chunks come in one statement, so from one
// snapshot even while the run is being appended to.
func (db *Postgres) GetRun(ctx context.Context, id string) (*Run, error) {
	if !event.ValidRunID(id) {
		return nil, fmt.Errorf("get run: %w", ErrNotFound)
	}
	r := &Run{}
	var firsts, counts []int32
	var codecs []int16
	var chunks [][]byte
	row := db.pool.QueryRow(ctx, `SELECT `+pgSummaryColumns+`, c.firsts, c.counts, c.codecs, c.chunks
		FROM runs LEFT JOIN LATERAL (
			SELECT array_agg(first ORDER BY first) AS firsts, array_agg(count ORDER BY first) AS counts,
			       array_agg(codec ORDER BY first) AS codecs, array_agg(data ORDER BY first) AS chunks
			FROM run_chunks WHERE run = runs.n) c ON true
		WHERE id = $1`, id)
	err := pgScanSummary(row, &r.RunSummary, &firsts, &counts, &codecs, &chunks)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("get run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	r.Events = make([]json.RawMessage, 0, r.EventCount)
	for i := range chunks {
		if int(firsts[i]) != len(r.Events) {
			return nil, fmt.Errorf("get run %s: events: chunk at %d, want %d", id, firsts[i], len(r.Events))
		}
		if r.Events, err = decodeChunk(r.Events, int(codecs[i]), int(counts[i]), chunks[i]); err != nil {
			return nil, fmt.Errorf("get run %s: events: %w", id, err)
		}
	}
	if len(r.Events) != r.EventCount {
		return nil, fmt.Errorf("get run %s: %d events stored, %d recorded", id, len(r.Events), r.EventCount)
	}
	return r, nil
}

// ListRuns returns the runs that match f, newest first, without their
// events; see DB.ListRuns. The same indexes serve the same filters.
func (db *Postgres) ListRuns(ctx context.Context, f Filter) ([]RunSummary, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)

	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Learner != "" {
		where = append(where, "learner = "+arg(f.Learner))
	}
	if f.Lesson != "" {
		where = append(where, "lesson = "+arg(f.Lesson))
	}
	if f.Before != "" {
		if !event.ValidRunID(f.Before) {
			return nil, nil
		}
		where = append(where, "n < (SELECT n FROM runs WHERE id = "+arg(f.Before)+")")
	}
	q := `SELECT ` + pgSummaryColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY n DESC LIMIT ` + arg(limit)

	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var s RunSummary
		if err := pgScanSummary(rows, &s); err != nil {
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
func (db *Postgres) CountRuns(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM runs`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// Progress returns, per lesson slug, how many runs a learner made and how
// many of them solved the lesson's exercise; see DB.Progress.
func (db *Postgres) Progress(ctx context.Context, learner string) (map[string]LessonProgress, error) {
	rows, err := db.pool.Query(ctx, `SELECT lesson, count(*), count(*) FILTER (WHERE solved)
		FROM runs WHERE learner = $1 GROUP BY lesson`, learner)
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

// SetNickname records the nickname of a learner; see DB.SetNickname.
func (db *Postgres) SetNickname(ctx context.Context, learner, nickname string) error {
	if learner == "" {
		return fmt.Errorf("set nickname: %w: learner is required", ErrInvalid)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO learners (id, nickname, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET nickname = excluded.nickname, updated_at = excluded.updated_at`,
		learner, nickname, db.now().UTC())
	if err != nil {
		return fmt.Errorf("set nickname: %w", err)
	}
	return nil
}

// Nickname returns the nickname of a learner, or "" when none was set.
func (db *Postgres) Nickname(ctx context.Context, learner string) (string, error) {
	var nick string
	err := db.pool.QueryRow(ctx, `SELECT nickname FROM learners WHERE id = $1`, learner).Scan(&nick)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("nickname: %w", err)
	}
	return nick, nil
}
