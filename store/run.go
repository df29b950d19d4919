package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Statuses the store itself gives a run. The others ("ok", "error", ...)
// come from the run's run.end event and are stored as given.
const (
	StatusRunning     = "running"
	StatusInterrupted = "interrupted"
)

// Listing bounds.
const (
	DefaultListLimit = 20   // runs per page when Filter.Limit is 0
	MaxListLimit     = 1000 // larger Filter.Limit values are cut to this
)

// Errors of the run methods; test them with errors.Is.
var (
	ErrNotFound = errors.New("run not found")
	ErrFinished = errors.New("run is no longer running")
	ErrInvalid  = errors.New("invalid run")
)

// RunSummary is a run without its events: what a history list shows.
type RunSummary struct {
	ID       string // unguessable public id (see NewRunID)
	Lesson   string // lesson slug
	Learner  string // anonymous learner id
	Nickname string // the learner's nickname when the run started, or ""
	Source   string // the program as it was run, to restore into the editor

	StartedAt time.Time
	EndedAt   time.Time // zero while running and for interrupted runs

	Status     string        // StatusRunning, StatusInterrupted or run.end's status
	ExitCode   int           // from run.end
	Duration   time.Duration // from run.end
	OutputCut  bool          // output was cut by the output limit
	Exercise   string        // opaque JSON result of the lesson's exercise check, or ""
	EventCount int           // number of events stored
}

// Run is a stored run with its events.
type Run struct {
	RunSummary
	// Events are the events in the order they were appended, each the
	// exact bytes that were given to AppendEvents. To serve them
	// unchanged, write the bytes out rather than re-encode them
	// (encoding/json compacts and HTML-escapes a RawMessage).
	Events []json.RawMessage
}

// Finish completes a run when its run.end event has been streamed.
type Finish struct {
	Status    string // run.end's status; required
	ExitCode  int
	Duration  time.Duration
	OutputCut bool
	Exercise  string    // opaque JSON, "" when the lesson has no check
	Solved    bool      // the run solved its lesson's exercise (Progress counts it)
	EndedAt   time.Time // zero means now

	// Events, when set, are appended in the same transaction as the
	// completion, so a finished run is never missing its last events.
	Events []json.RawMessage
}

// Filter selects runs for ListRuns. Empty fields do not filter.
type Filter struct {
	Learner string
	Lesson  string
	// Before, when set, is the id of a run: only older runs are listed
	// (the next page after a page ending with that run).
	Before string
	// Limit is the page size: 0 means DefaultListLimit; at most MaxListLimit.
	Limit int
}

// LessonProgress is one learner's record on one lesson.
type LessonProgress struct {
	Runs   int // runs of the lesson
	Solved int // runs that solved the lesson's exercise (Finish.Solved)
}

// validEvents refuses events that are not valid JSON, so that a store
// never holds bytes that cannot be served as an event.
func validEvents(events []json.RawMessage) error {
	for i, e := range events {
		if !json.Valid(e) {
			return fmt.Errorf("%w: event %d is not valid JSON", ErrInvalid, i)
		}
	}
	return nil
}
