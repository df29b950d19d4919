package web

import (
	"context"
	"encoding/json"
	"time"

	"mpplayground/lessons"
	"mpplayground/store"
)

// RunArchive reads kept runs; a store.Store satisfies it. A nil RunArchive
// serves no history, replay or API.
type RunArchive interface {
	GetRun(ctx context.Context, id string) (*store.Run, error)
	ListRuns(ctx context.Context, f store.Filter) ([]store.RunSummary, error)
}

// Nicknames keeps the nickname a learner chose; a store.Store satisfies it.
type Nicknames interface {
	SetNickname(ctx context.Context, learner, nickname string) error
	Nickname(ctx context.Context, learner string) (string, error)
}

// UseStore makes the server keep every run in db, serve its history,
// replays and progress from it, and keep nicknames and classes there.
func (c *Config) UseStore(db store.Store) {
	c.Recorder = StoreRecorder(db)
	c.Runs = db
	c.Progress = StoreProgress(db)
	c.Nicknames = db
	c.Classes = db
}

// recorderFlushTimeout bounds the final write of a run, which happens even
// when the run was stopped because its connection went away.
const recorderFlushTimeout = 30 * time.Second

// StoreRecorder records runs in the store: the row is written at Begin
// (status running), events are batched by a store.Recorder, and Finish
// writes the rest with the outcome in one transaction.
func StoreRecorder(db store.Store) RunRecorder { return storeRecorder{db} }

type storeRecorder struct{ db store.Store }

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
	f := store.Finish{Status: o.Status, ExitCode: o.ExitCode, Duration: o.Duration, OutputCut: o.OutputCut}
	if o.Verdict != nil {
		b, err := json.Marshal(o.Verdict)
		if err != nil {
			return err
		}
		f.Exercise, f.Solved = string(b), o.Verdict.Solved
	}
	return l.rec.Finish(ctx, f)
}

// StoreProgress reads a learner's progress from the store: a lesson is
// passed when a run of one of its exercises passed every check.
func StoreProgress(db store.Store) ProgressSource { return storeProgress{db} }

type storeProgress struct{ db store.Store }

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

// decodeVerdict reads the verdict stored with a run; ok is false when
// there is none.
func decodeVerdict(s string) (lessons.Verdict, bool) {
	var rec lessons.Verdict
	if s == "" || json.Unmarshal([]byte(s), &rec) != nil {
		return rec, false
	}
	return rec, true
}
