package web

import (
	"context"
	"encoding/json"
	"time"

	"mpplayground/store"
)

// RunArchive reads kept runs; *store.DB satisfies it. A nil RunArchive
// serves no history, replay or API.
type RunArchive interface {
	GetRun(ctx context.Context, id string) (*store.Run, error)
	ListRuns(ctx context.Context, f store.Filter) ([]store.RunSummary, error)
}

// Nicknames keeps the nickname a learner chose; *store.DB satisfies it.
type Nicknames interface {
	SetNickname(ctx context.Context, learner, nickname string) error
	Nickname(ctx context.Context, learner string) (string, error)
}

// UseStore makes the server keep every run in db, serve its history,
// replays and progress from it, and keep nicknames there.
func (c *Config) UseStore(db *store.DB) {
	c.Recorder = StoreRecorder(db)
	c.Runs = db
	c.Progress = StoreProgress(db)
	c.Nicknames = db
}

// recorderFlushTimeout bounds the final write of a run, which happens even
// when the run was stopped because its connection went away.
const recorderFlushTimeout = 30 * time.Second

// StoreRecorder records runs in the store: the row is written at Begin
// (status running), events are batched by a store.Recorder, and Finish
// writes the rest with the outcome in one transaction.
func StoreRecorder(db *store.DB) RunRecorder { return storeRecorder{db} }

type storeRecorder struct{ db *store.DB }

func (s storeRecorder) Begin(ctx context.Context, m RunMeta) (RunLog, error) {
	r := &store.Run{RunSummary: store.RunSummary{ID: m.RunID, Lesson: m.Lesson, Learner: m.Learner, Source: string(m.Program)}}
	if err := s.db.CreateRun(ctx, r); err != nil {
		return nil, err
	}
	// The recorder's timer writes outlive a stopped run's context.
	return &storeRunLog{rec: s.db.NewRecorder(context.WithoutCancel(ctx), r.ID)}, nil
}

type storeRunLog struct {
	rec *store.Recorder
	err error // the first failed batch write, reported by Finish
}

func (l *storeRunLog) Event(raw []byte) {
	// A failed batch stays queued in the recorder and is retried with the
	// next one, and at Finish.
	if err := l.rec.Add(raw); err != nil && l.err == nil {
		l.err = err
	}
}

func (l *storeRunLog) Finish(ctx context.Context, o RunOutcome) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recorderFlushTimeout)
	defer cancel()
	return l.rec.Finish(ctx, store.Finish{
		Status: o.Status, ExitCode: o.ExitCode, Duration: o.Duration,
		OutputCut: o.OutputCut, Exercise: string(o.Exercise),
	})
}

// StoreProgress reads a learner's progress from the store: a lesson is
// passed when a run of one of its exercises passed every check.
func StoreProgress(db *store.DB) ProgressSource { return storeProgress{db} }

type storeProgress struct{ db *store.DB }

func (s storeProgress) Progress(ctx context.Context, learner string) (map[string]LessonProgress, error) {
	p, err := s.db.Progress(ctx, learner)
	if err != nil {
		return nil, err
	}
	out := make(map[string]LessonProgress, len(p))
	for slug, lp := range p {
		out[slug] = LessonProgress{Runs: lp.Runs, Passed: lp.Solved > 0}
	}
	return out, nil
}

// exerciseRecord is what is stored with a run about its checks: which
// exercise was worked on ("" for the lesson's example), whether every
// check passed, and each result in every language. "solved" is true only
// for an exercise whose checks all passed; the store counts it as progress.
type exerciseRecord struct {
	Exercise string         `json:"exercise"`
	Passed   bool           `json:"passed"`
	Solved   bool           `json:"solved"`
	Results  []recordResult `json:"results"`
}

type recordResult struct {
	Description map[string]string `json:"description"`
	Passed      bool              `json:"passed"`
	Detail      map[string]string `json:"detail,omitempty"`
}

func encodeExercise(exercise string, rs []CheckResult) []byte {
	rec := exerciseRecord{Exercise: exercise, Passed: allPassed(rs), Results: make([]recordResult, len(rs))}
	rec.Solved = exercise != "" && rec.Passed
	for i, r := range rs {
		rec.Results[i] = recordResult{Description: r.Description, Passed: r.Passed, Detail: r.Detail}
	}
	b, _ := json.Marshal(rec)
	return b
}

// decodeExercise reads a stored result; ok is false when there is none.
func decodeExercise(s string) (exerciseRecord, bool) {
	var rec exerciseRecord
	if s == "" || json.Unmarshal([]byte(s), &rec) != nil {
		return rec, false
	}
	return rec, true
}
