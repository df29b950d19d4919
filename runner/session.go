package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"mpplayground/event"
	"mpplayground/runner/record"
)

// session is the runner's side of one run: it starts the init, turns its
// records into numbered events, watches the limits and always ends the
// stream with run.end.
type session struct {
	r      *Runner
	req    Request
	emit   func(event.Event)
	limits event.Limits
	ipc    ipcState
	stuck  stuckState

	startNS int64
	seq     int64
	lastT   float64

	open      map[int]bool // processes started and not yet exited
	mainPID   int
	mainCode  *int
	mainSig   string
	outputCut bool

	limitKind string // the first limit hit
	diskWhere string // the file system that filled up
	stopped   bool
	internal  string // why the run could not be carried out
	budget    budget

	init       *startedInit
	killSent   bool
	initKilled bool             // the runner killed the init itself
	backstop   <-chan time.Time // armed by kill
}

func newSession(r *Runner, req Request, emit func(event.Event)) *session {
	if req.RunID == "" {
		req.RunID = event.NewRunID()
	}
	s := &session{r: r, req: req, emit: emit, limits: r.withDefaults(req.Limits), open: map[int]bool{}}
	s.budget = newBudget(s.limits)
	s.ipc.init()
	s.stuck.init()
	return s
}

// send numbers an event and hands it on, if the run's budget allows it;
// the first event over the budget ends the run. Times never go backwards.
func (s *session) send(ns int64, e event.Event) bool {
	if !s.budget.spend(&e) {
		if s.limitKind == "" {
			s.hitLimit(event.LimitEvents)
			s.kill()
		}
		return false
	}
	s.seq++
	e.Seq = s.seq
	t := float64(ns-s.startNS) / 1e6
	if t < s.lastT {
		t = s.lastT
	}
	s.lastT = t
	e.T = float64(int64(t*1000)) / 1000
	s.emit(e)
	s.stuck.observe(ns, &e)
	return true
}

func (s *session) run(ctx context.Context) Result {
	s.startNS = record.MonoNS()
	info := s.r.info
	lim := s.limits
	// The init is taken before run.start, which names the host uid it
	// maps the program to (fixed when the init was made).
	var si *startedInit
	switch {
	case len(s.req.Program) > MaxProgramBytes:
		s.internal = fmt.Sprintf("The program is too large: %s, and the limit is %s.", sizeText(int64(len(s.req.Program))), sizeText(MaxProgramBytes))
	case s.req.StartMethod != "" && !slices.Contains(StartMethods, s.req.StartMethod):
		s.internal = fmt.Sprintf("There is no start method %q: it is one of %s.", s.req.StartMethod, strings.Join(StartMethods, ", "))
	case s.r.sandboxFailed() != nil:
		s.internal = "The sandbox cannot be set up on this server, so nothing can run: " + s.r.sandboxFailed().Error()
	default:
		var err error
		if si, err = s.r.takeInit(s.limits); err != nil {
			s.internal = "The run could not be started: " + err.Error()
		}
	}
	if s.r.uids != nil {
		info.HostUID = noHostUID
		if si != nil {
			info.HostUID = si.uid
		}
	}
	s.send(s.startNS, event.Event{Type: event.TypeRunStart, RunID: s.req.RunID, Python: s.r.python.Version, Limits: &lim, Sandbox: &info})
	if si == nil {
		return s.end()
	}
	if err := s.execute(ctx, si); err != nil {
		s.internal = "The run could not be started: " + err.Error()
	}
	return s.end()
}

// execute hands the program to the init and follows the run to its end;
// it closes the init, its cgroup and its uid once the init is reaped.
func (s *session) execute(ctx context.Context, si *startedInit) error {
	line, _ := json.Marshal(s.initConfig())
	line = append(line, '\n')
	line = append(line, s.r.python.hookBlob...)
	if err := handConfig(si, line); err != nil {
		// A warm init that died while it waited: start a fresh one, for
		// the same host uid (run.start named it).
		uid, pool := si.uid, si.giveUID
		si.giveUID = nil
		si.close()
		if si, err = s.r.startInitAs(s.limits, uid, pool); err != nil {
			return err
		}
		if err := handConfig(si, line); err != nil {
			si.close()
			return fmt.Errorf("hand the program to the sandbox: %w", err)
		}
	}
	defer si.close()
	if err := goAhead(si); err != nil {
		return err
	}
	go feedStdin(s.req.Stdin, si.stdin)
	s.init = si
	s.follow(ctx)
	if s.internal == "" && s.mainPID == 0 && s.limitKind == "" && !s.stopped {
		s.internal = initLostMessage(si)
	}
	s.checkCgroup()
	return nil
}

// initLostMessage says why a run ended before its program started,
// although nothing stopped it: the init died (its last words, or how it
// ended).
func initLostMessage(si *startedInit) string {
	if si.initErr.Len() > 0 {
		return "The sandbox stopped unexpectedly: " + strings.TrimSpace(si.initErr.String())
	}
	how := "it ended"
	if ps := si.cmd.ProcessState; ps != nil {
		how = ps.String() // "signal: killed", "exit status 2"
	}
	return "The sandbox stopped before the program started (" + how + "); run it again."
}

// goAhead lets the init start the program, once the init is in its cgroup
// (the program is born there).
func goAhead(si *startedInit) error {
	if err := si.waitPlaced(); err != nil {
		return err
	}
	if err := handConfig(si, []byte(record.CmdGo)); err != nil {
		return fmt.Errorf("start the program: %w", err)
	}
	return nil
}

// handConfig writes a line of the run's configuration (the config, then
// CmdGo) to a waiting init. A deadline keeps an init that does not read
// from holding the run.
func handConfig(si *startedInit, line []byte) error {
	_ = si.ctl.SetWriteDeadline(time.Now().Add(configDeadline))
	_, err := si.ctl.Write(line)
	_ = si.ctl.SetWriteDeadline(time.Time{})
	return err
}

// end closes every process still open and emits run.end.
func (s *session) end() Result {
	now := record.MonoNS()
	if s.init != nil {
		s.diagnoseMisuse()
	}
	for pid := range s.open {
		s.send(now, event.Event{Type: event.TypeProcExit, PID: pid, Signal: "SIGKILL"})
		if pid == s.mainPID && s.mainCode == nil && s.mainSig == "" {
			s.mainSig = "SIGKILL"
		}
	}
	s.open = map[int]bool{}
	dur := time.Duration(now - s.startNS)
	res := Result{RunID: s.req.RunID, Duration: dur, OutputCut: s.outputCut, ExitCode: -1}
	switch {
	case s.mainCode != nil:
		res.ExitCode = *s.mainCode
	case s.mainSig != "":
		res.ExitCode = signalExitCode(s.mainSig)
	}
	var msg string
	switch {
	case s.internal != "":
		res.Status, msg = event.StatusInternalError, s.internal
	case s.limitKind == event.LimitWallTime:
		res.Status, msg = event.StatusTimeout, s.limitMessage(s.limitKind)
	case s.limitKind != "":
		res.Status, msg = event.StatusLimit, s.limitMessage(s.limitKind)
	case s.stopped:
		res.Status, msg = event.StatusStopped, "Stopped before the program finished."
	case s.mainCode != nil && *s.mainCode == 0:
		res.Status, msg = event.StatusOK, fmt.Sprintf("The program finished in %s.", secondsText(dur))
	case s.mainSig == "SIGSYS":
		res.Status, msg = event.StatusError, "The program was killed by SIGSYS: it made a system call that the playground does not allow."
	case s.mainSig != "":
		res.Status, msg = event.StatusError, fmt.Sprintf("The program was killed by %s.", s.mainSig)
	default:
		res.Status, msg = event.StatusError, fmt.Sprintf("The program exited with code %d.", res.ExitCode)
	}
	ms := float64(dur.Microseconds()) / 1000
	code := res.ExitCode
	s.send(now, event.Event{Type: event.TypeRunEnd, Status: res.Status, ExitCode: &code, DurationMS: &ms, Message: msg})
	res.Events = s.seq
	return res
}
