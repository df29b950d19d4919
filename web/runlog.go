package web

import (
	"log/slog"
	"time"
)

// logRun writes the one log line of a run, at Info, once it has ended and
// been stored: its id, lesson, outcome, and how long it waited and ran.
// The learner's anonymous id is their key and is not logged.
func (lr *liveRun) logRun() {
	o := lr.outcome
	attrs := []slog.Attr{
		slog.String("run", lr.req.RunID),
		slog.String("lesson", lr.lesson.Slug),
		slog.String("status", o.Status),
		slog.Float64("duration_ms", roundMS(o.Duration)),
		slog.Int("exit_code", o.ExitCode),
		slog.String("limit", lr.limit),
		slog.Float64("queue_wait_ms", roundMS(lr.wait)),
	}
	if lr.exercise != "" {
		attrs = append(attrs, slog.String("exercise", lr.exercise))
	}
	if lr.shutdown.Load() {
		attrs = append(attrs, slog.Bool("shutdown", true))
	}
	lr.ss.log.LogAttrs(lr.ss.ctx, slog.LevelInfo, "run", attrs...)
}

// roundMS is d in milliseconds with one decimal.
func roundMS(d time.Duration) float64 { return float64(d/(100*time.Microsecond)) / 10 }
