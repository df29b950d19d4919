package web

import (
	"context"
	"time"

	"mpplayground/event"
	"mpplayground/lessons"
	"mpplayground/runner"
)

// Executor runs a program and calls emit for each event of its stream, in
// order and from one goroutine: run.start first, run.end last. Cancelling
// ctx stops the run, which still ends with run.end. *runner.Runner
// satisfies it.
type Executor interface {
	Run(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result
}

var _ Executor = (*runner.Runner)(nil)

// ExecutorFunc adapts a function to the Executor interface (for tests at
// the boundary, such as a client too slow to read).
type ExecutorFunc func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result

// Run calls f.
func (f ExecutorFunc) Run(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
	return f(ctx, req, emit)
}

// RunRecorder keeps runs (StoreRecorder keeps them in the store). Begin is
// called before the program starts; the returned RunLog receives every
// event in order and is finished after run.end. A nil RunRecorder keeps
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
	// Event receives one event as the exact bytes sent to the client;
	// they must not be modified.
	Event(raw []byte)
	// Finish completes the run once run.end has been streamed.
	Finish(ctx context.Context, o RunOutcome) error
}

// RunOutcome is how a run ended, as its run.end event and the checks say.
type RunOutcome struct {
	Status    string
	ExitCode  int
	Duration  time.Duration
	OutputCut bool             // a limit event of kind "output" was streamed
	Verdict   *lessons.Verdict // the checks' verdict, nil when nothing was checked
}

// ProgressSource tells which lessons a learner has run and passed
// (StoreProgress reads it from the store). A nil ProgressSource shows no
// progress.
type ProgressSource interface {
	Progress(ctx context.Context, learner string) (map[string]LessonProgress, error)
}

// LessonProgress is a learner's record on one lesson.
type LessonProgress struct {
	Runs   int
	Passed bool
}
