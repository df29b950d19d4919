package web

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"mpplayground/event"
	"mpplayground/lessons"
	"mpplayground/runner"
)

// liveRun is one run of a session, from the learner's click to the checks'
// verdict. Its goroutine takes it through run's steps; the session reaches
// it only to stop it or to pass it input (ws.go), the shutdown only to stop
// it (shutdown.go).
type liveRun struct {
	ss *session
	// ctx is the run's own: cancelled by a stop, by the end of the session
	// or by the shutdown.
	ctx      context.Context
	cancel   context.CancelFunc
	stdin    *stdinPipe
	admitted atomic.Bool // it has a slot: it is executing
	shutdown atomic.Bool // the server's shutdown stopped it

	lesson   Lesson
	exercise string // "" for the lesson's example
	req      runner.Request

	// The rest is the run goroutine's own.
	wait    time.Duration  // how long the run waited for a slot
	release func()         // gives the slot back; safe to call again
	rec     RunLog         // nil: the run is not kept
	kept    *runLog        // the run among the recent ones, for a page that reconnects
	judge   RunJudge       // nil: there is nothing to check
	outcome RunOutcome     // how the run ended, as its events say
	limit   string         // the kind of the limit that was hit, if one was
	runEnd  []byte         // run.end, held back until the run is stored
	verdict *checksMessage // nil when nothing was checked
}

// newLiveRun prepares the run of program that a session's "run" message
// asks for; its run method executes it.
func newLiveRun(ss *session, lesson Lesson, exercise, program string, ipc bool) *liveRun {
	ctx, cancel := context.WithCancel(ss.ctx)
	lr := &liveRun{ss: ss, ctx: ctx, cancel: cancel, stdin: newStdinPipe(), lesson: lesson, exercise: exercise}
	// The unguessable run id names the run everywhere: in run.start,
	// in the database and in links.
	lr.req = runner.Request{
		RunID: event.NewRunID(), Program: []byte(program), Stdin: lr.stdin,
		NoIPC: !ipc,
	}
	return lr
}

// run is the life of the run, in order. run.end goes out only once the
// run is stored, so that a page that has it can link to the run, reload
// its history or fetch /api/runs/<id> and find the run complete; the
// checks follow it.
func (lr *liveRun) run() {
	defer lr.detach()
	if !lr.admit() {
		return
	}
	defer lr.release()
	lr.begin()
	defer lr.kept.finish()
	lr.stream()
	lr.freeSlot()
	lr.judgeChecks()
	lr.finishRecord()
	lr.report()
	lr.sendEnd()
}

// admit waits for a slot, telling the page its place in the queue while
// it waits. False when the run will not execute; the page has been told why.
func (lr *liveRun) admit() bool {
	ss, srv := lr.ss, lr.ss.srv
	pressed := time.Now()
	release, err := srv.admission.enter(lr.ctx, func(pos int) {
		ss.sendJSON(queuedMessage{Type: "queued", Position: pos})
	})
	switch {
	case errors.Is(err, errBusy):
		ss.log.Warn("run refused: the queue is full", "lesson", lr.lesson.Slug, "max_queue", srv.admission.maxWaiting)
		ss.sendError(msgBusy)
		return false
	case err != nil && lr.shutdown.Load():
		ss.sendError(msgShutdownNotRun)
		return false
	case err != nil:
		ss.sendError(msgCancelledQueued)
		return false
	}
	lr.release = release
	lr.admitted.Store(true)
	lr.wait = time.Since(pressed)
	srv.metrics.queueWait.Observe(lr.wait.Seconds())
	srv.metrics.active.Inc()
	return true
}

// begin opens, before the program starts, the run's record, its place
// among the recent runs and its judge.
func (lr *liveRun) begin() {
	ss, cfg := lr.ss, &lr.ss.srv.cfg
	if cfg.Recorder != nil {
		rec, err := cfg.Recorder.Begin(lr.ctx, RunMeta{RunID: lr.req.RunID, Lesson: lr.lesson.Slug, Learner: ss.learner, Program: lr.req.Program})
		if err != nil {
			// The learner still gets the run; only its record is lost.
			ss.log.Error("record run", "run", lr.req.RunID, "err", err)
		} else {
			lr.rec = rec
		}
	}
	lr.kept = ss.srv.recent.begin(lr.req.RunID, ss.learner)
	if cfg.Checker != nil {
		lr.judge = cfg.Checker.Judge(lr.lesson.Slug, lr.exercise)
	}
}

// stream runs the program; each of its events goes to onEvent.
func (lr *liveRun) stream() {
	lr.execute()
	if lr.outcome.Status == "" {
		// No run.end said how it ended: the failure is the server's.
		lr.outcome.Status = event.StatusInternalError
	}
}

// onEvent takes one event of the stream. It is encoded once, and the same
// bytes go to the recent runs, the record and the page; run.end is held
// back (see run).
func (lr *liveRun) onEvent(ev event.Event) {
	if ev.Type == event.TypeRunEnd && ev.Status == event.StatusStopped && lr.shutdown.Load() {
		ev.Message = msgShutdownStopped
	}
	// The bytes encoding/json would give, at a fraction of its cost.
	b := ev.AppendJSON(nil)
	if lr.judge != nil {
		lr.judge.Add(ev)
	}
	lr.kept.add(ev.Type, b)
	if lr.rec != nil {
		lr.rec.Event(b)
	}
	lr.note(ev)
	if ev.Type == event.TypeRunEnd {
		lr.runEnd = b
		return
	}
	lr.ss.enqueue(b)
}

// note counts the event and keeps what it says of the run's outcome.
func (lr *liveRun) note(ev event.Event) {
	m := lr.ss.srv.metrics
	m.events.Inc()
	switch ev.Type {
	case event.TypeLimit:
		lr.limit = ev.Kind
		m.limits.WithLabelValues(ev.Kind).Inc()
		if ev.Kind == event.LimitOutput {
			lr.outcome.OutputCut = true
		}
	case event.TypeRunEnd:
		lr.outcome.Status = ev.Status
		if ev.ExitCode != nil {
			lr.outcome.ExitCode = *ev.ExitCode
		}
		if ev.DurationMS != nil {
			lr.outcome.Duration = time.Duration(*ev.DurationMS * float64(time.Millisecond))
		}
	}
}

// freeSlot gives the sandbox slot back as soon as the program has ended:
// judging the checks and storing the run do not hold the next learner
// back.
func (lr *liveRun) freeSlot() {
	lr.ss.srv.metrics.active.Dec() // the program has ended; run.end is not sent yet
	lr.release()
}

// judgeChecks gives the verdict of the checks, for the page and the record.
func (lr *liveRun) judgeChecks() {
	if lr.judge == nil {
		return
	}
	v := lessons.NewVerdict(lr.exercise, lr.judge.Results())
	lr.verdict = newChecksMessage(lr.req.RunID, lr.lesson, v, lr.ss.lang)
	lr.outcome.Verdict = &v
}

// finishRecord stores how the run ended, with the verdict.
func (lr *liveRun) finishRecord() {
	if lr.rec == nil {
		return
	}
	if err := lr.rec.Finish(lr.ctx, lr.outcome); err != nil {
		lr.ss.log.Error("record run", "run", lr.req.RunID, "err", err)
	}
}

// report counts the ended run and writes its log line (runlog.go).
func (lr *liveRun) report() {
	lr.ss.srv.metrics.runEnded(lr.outcome.Status, lr.outcome.Duration)
	lr.logRun()
}

// sendEnd sends run.end, then the checks. The session is idle before
// run.end goes out: the page may start its next run as soon as it has it.
func (lr *liveRun) sendEnd() {
	lr.ss.dropRun(lr)
	if lr.runEnd != nil {
		lr.ss.enqueue(lr.runEnd)
	}
	if lr.verdict != nil {
		lr.ss.sendJSON(lr.verdict)
	}
}

// detach ends the run's hold on its session, however the run ended: its
// context is released and its input closed, the session is idle, and the
// run no longer counts among those a shutdown waits for.
func (lr *liveRun) detach() {
	lr.cancel()
	lr.stdin.Close()
	lr.ss.dropRun(lr)
	lr.ss.active.Done()
}
