package web

import (
	"context"

	"mpplayground/runner"
)

// Executor runs a program and calls emit for each event of its stream, in
// order and from one goroutine: run.start first, run.end last. Cancelling
// ctx stops the run, which still ends with run.end. *runner.Runner
// satisfies it.
type Executor interface {
	Run(ctx context.Context, req runner.Request, emit func(runner.Event)) runner.Result
}

// ExecutorFunc adapts a function to the Executor interface (for tests at
// the boundary, such as a client too slow to read).
type ExecutorFunc func(ctx context.Context, req runner.Request, emit func(runner.Event)) runner.Result

// Run calls f.
func (f ExecutorFunc) Run(ctx context.Context, req runner.Request, emit func(runner.Event)) runner.Result {
	return f(ctx, req, emit)
}

// RunRecorder keeps runs (the store package will satisfy it). Begin is
// called before the program starts; the returned RunLog receives every
// event in order and is closed after run.end. A nil RunRecorder keeps
// nothing.
type RunRecorder interface {
	Begin(ctx context.Context, meta RunMeta) (RunLog, error)
}

// RunMeta describes a run when it begins.
type RunMeta struct {
	RunID   string
	Lesson  string
	Learner string // the anonymous learner id from the cookie
	Program []byte
}

// RunLog receives the events of one run.
type RunLog interface {
	Event(ev runner.Event)
	Close() error
}

// ProgressSource tells which lessons a learner has run and passed (the
// store will satisfy it). A nil ProgressSource shows no progress.
type ProgressSource interface {
	Progress(ctx context.Context, learner string) (map[string]LessonProgress, error)
}

// LessonProgress is a learner's record on one lesson.
type LessonProgress struct {
	Runs   int
	Passed bool
}
