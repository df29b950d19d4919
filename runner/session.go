package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"mpplayground/event"
	"mpplayground/runner/record"
	"mpplayground/runner/sandbox"
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
	case s.r.sandboxErr != nil:
		s.internal = "The sandbox cannot be set up on this server, so nothing can run: " + s.r.sandboxErr.Error()
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
	go feedStdin(s.req.Stdin, si.stdin)
	s.init = si
	s.follow(ctx)
	if s.internal == "" && s.mainPID == 0 && si.initErr.Len() > 0 {
		s.internal = "The sandbox stopped unexpectedly: " + strings.TrimSpace(si.initErr.String())
	}
	s.checkCgroup()
	return nil
}

// handConfig writes the run's configuration to a waiting init. A deadline
// keeps an init that does not read from holding the run.
func handConfig(si *startedInit, line []byte) error {
	_ = si.ctl.SetWriteDeadline(time.Now().Add(configDeadline))
	_, err := si.ctl.Write(line)
	_ = si.ctl.SetWriteDeadline(time.Time{})
	return err
}

// follow reads the init's records until the init is gone and its stream
// has ended. Whatever the init sends or fails to send (a broken record, a
// stream that never ends), the wall time, Stop and the end of ctx keep
// working: the init is told to kill the run, killed itself killBackstop
// later, and its stream is given up streamDrainGrace after it is gone.
func (s *session) follow(ctx context.Context) {
	quit := make(chan struct{})
	defer close(quit)
	records := make(chan recordBatch, 16)
	go readRecords(s.init.wire, records, quit)
	exited := make(chan struct{})
	go func() {
		_ = s.init.cmd.Wait()
		close(exited)
	}()

	wall := time.NewTimer(s.limits.WallTime)
	defer wall.Stop()
	poll := time.NewTicker(limitPollInterval)
	defer poll.Stop()
	done := ctx.Done()
	var drain *time.Timer // armed once the init is gone
	var drainC <-chan time.Time
	for records != nil || exited != nil {
		select {
		case b := <-records:
			if b.err != nil {
				records = nil
				// A stream cut short by the init's own death after the run
				// killed it is its end; any other bad record is a broken
				// stream, which cannot be read past.
				if !errors.Is(b.err, io.EOF) && !s.initKilled {
					s.internalError("The run's event stream broke: " + b.err.Error() + ".")
					s.killInit()
				}
				continue
			}
			s.handle(b.recs)
			if drain != nil {
				drain.Reset(streamDrainGrace)
			}
		case <-exited:
			exited = nil
			drain = time.NewTimer(streamDrainGrace)
			drainC = drain.C
		case <-drainC:
			// The init is gone but its stream did not end: nothing more
			// can be believed of it.
			records = nil
		case <-poll.C:
			s.checkCgroup()
		case <-wall.C:
			if s.limitKind == "" {
				s.hitLimit(event.LimitWallTime)
			}
			s.kill()
		case <-done:
			done = nil
			if s.limitKind == "" {
				s.stopped = true
			}
			s.kill()
		case <-s.backstop:
			// The init did not finish in time: end it, and with it, as pid 1
			// of the namespace, every process of the run.
			s.backstop = nil
			s.killInit()
		}
	}
	if drain != nil {
		drain.Stop()
	}
}

// handle acts on one batch of the init's records.
func (s *session) handle(recs []record.Record) {
	for _, rec := range recs {
		switch {
		case rec.Error != "":
			// Only the init's own set-up fails this way, before the program runs.
			if s.mainPID == 0 {
				s.internalError("The sandbox could not be set up: " + cut(rec.Error))
			}
		case rec.Limit != "":
			if !initLimits[rec.Limit] || (rec.Limit == event.LimitDisk && !slices.Contains(sandbox.WritableDirs, rec.Where)) {
				s.internalError("The sandbox reported a limit it does not enforce.")
				s.killInit()
				continue
			}
			s.outputCut = s.outputCut || rec.Limit == event.LimitOutput
			s.diskWhere = rec.Where
			s.hitLimit(rec.Limit)
			s.kill()
		case rec.IPC != nil:
			s.forwardIPC(rec)
		case rec.Event != nil:
			s.forward(rec)
			if rec.Event.Type == event.TypeProcExit && rec.Event.Signal == "SIGKILL" {
				s.checkCgroup()
			}
		}
	}
}

// initLimits are the limits the init itself enforces and reports.
var initLimits = map[string]bool{event.LimitOutput: true, event.LimitDisk: true}

func (s *session) internalError(msg string) {
	if s.internal == "" {
		s.internal = msg
	}
}

// kill tells the init to end every process of the run, and arms the
// backstop in case it does not.
func (s *session) kill() {
	if s.killSent {
		return
	}
	s.killSent = true
	_ = s.init.ctl.SetWriteDeadline(time.Now().Add(killBackstop))
	_, _ = s.init.ctl.Write([]byte(record.CmdKill))
	s.backstop = time.After(killBackstop)
}

// killInit ends the init at once; as pid 1 of the run's namespace it takes
// every process of the run with it.
func (s *session) killInit() {
	s.killSent, s.initKilled = true, true
	_ = s.init.cmd.Process.Kill()
}

func (s *session) checkCgroup() {
	cg := s.init.cg
	if cg == nil || s.limitKind != "" {
		return
	}
	switch {
	case cg.oomKills() > 0:
		s.hitLimit(event.LimitMemory)
		s.kill()
	case cg.pidsRefused() > 0:
		s.hitLimit(event.LimitPids)
		s.kill()
	}
}

// initAttr is how the init is created: in new namespaces, the program's
// ids mapped to host uid and gid, with the capabilities it needs to build
// the sandbox (only inside them), killed if the server dies.
func (r *Runner) initAttr(uid, gid int) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if !r.info.Enabled {
		return attr
	}
	attr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS |
		syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: sandboxUID, HostID: uid, Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: sandboxGID, HostID: gid, Size: 1}}
	if os.Geteuid() == 0 {
		// A privileged server maps root of the namespace too, to another
		// unprivileged host id, for the init to become once it has opened
		// what the sandbox shows (see becomeSandboxRoot).
		attr.UidMappings = append(attr.UidMappings, syscall.SysProcIDMap{ContainerID: 0, HostID: initHostID, Size: 1})
		attr.GidMappings = append(attr.GidMappings, syscall.SysProcIDMap{ContainerID: 0, HostID: initHostID, Size: 1})
		attr.GidMappingsEnableSetgroups = true
	}
	attr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SYS_PTRACE,
		unix.CAP_KILL, unix.CAP_SETUID, unix.CAP_SETGID, unix.CAP_SYS_RESOURCE}
	return attr
}

func (s *session) initConfig() record.Config {
	py := s.r.python
	cfg := record.Config{
		RunID:     s.req.RunID,
		Sandbox:   s.r.info.Enabled,
		Python:    py.Executable,
		Binds:     py.Binds,
		Program:   s.req.Program,
		Hook:      py.Hook,
		IPC:       !s.req.NoIPC,
		Limits:    s.limits,
		UID:       sandboxUID,
		GID:       sandboxGID,
		DropGrps:  os.Geteuid() == 0,
		SwitchUID: os.Geteuid() == 0,
		PathDirs:  programPath(py.Executable),
		Grace:     mainExitGrace.Milliseconds(),
	}
	if s.r.info.Enabled && !s.r.info.Memory {
		// Without a memory cgroup, bound each process's address space
		// instead (Python then raises MemoryError).
		cfg.AddressSpace = uint64(s.limits.MemoryBytes)
	}
	if s.r.info.Enabled && !s.r.info.Pids {
		cfg.Nproc = uint64(s.limits.Pids)
	}
	return cfg
}

func programPath(python string) []string {
	dir := python[:strings.LastIndexByte(python, '/')]
	path := []string{dir}
	for _, d := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		if d != dir {
			path = append(path, d)
		}
	}
	return path
}

// forward passes one observed event on, keeping track of the processes.
// The init reports only process events, each of a known shape; anything
// else is not passed on.
func (s *session) forward(rec record.Record) {
	e := *rec.Event
	switch e.Type {
	case event.TypeProcStart:
		if s.open[e.PID] || e.PID <= 0 || !vias[e.Via] {
			return
		}
		if !s.send(rec.NS, e) {
			return
		}
		if s.mainPID == 0 {
			s.mainPID = e.PID
		}
		s.open[e.PID] = true
		return
	case event.TypeProcExit:
		if !s.open[e.PID] {
			return
		}
		delete(s.open, e.PID)
		if e.PID == s.mainPID {
			s.mainCode, s.mainSig = e.Code, e.Signal
		}
	case event.TypeOutput:
		if !s.open[e.PID] || (e.Stream != "stdout" && e.Stream != "stderr") {
			return
		}
	case event.TypeProcExec:
		if !s.open[e.PID] {
			return
		}
	default:
		return // only the runner itself makes the others
	}
	s.send(rec.NS, e)
}

// vias are the ways a process can start.
var vias = map[string]bool{"exec": true, "fork": true, "spawn": true, "forkserver": true}

// forwardIPC passes on the IPC events of one batch of reports.
func (s *session) forwardIPC(rec record.Record) {
	if !s.open[rec.IPC.PID] {
		return
	}
	// Each event keeps the time its process took when it happened (the
	// hook sends reports in batches), if not later than the batch's arrival.
	eachIPCLine(rec.IPC, func(line string) {
		m, ok := parseIPC(line)
		if !ok {
			return
		}
		var e event.Event
		if !s.ipc.event(rec.IPC.PID, &m, &e) {
			return
		}
		ns := m.NS
		if ns <= 0 || ns > rec.NS {
			ns = rec.NS
		}
		s.send(ns, e)
	})
}

func (s *session) hitLimit(kind string) {
	if s.limitKind != "" {
		return
	}
	s.limitKind = kind
	s.send(record.MonoNS(), event.Event{Type: event.TypeLimit, Kind: kind, Message: s.limitMessage(kind)})
}

func (s *session) limitMessage(kind string) string {
	l := s.limits
	switch kind {
	case event.LimitWallTime:
		return fmt.Sprintf("Stopped: the program ran longer than %s.", secondsText(l.WallTime))
	case event.LimitMemory:
		return fmt.Sprintf("Stopped: the program used more than %s of memory.", sizeText(l.MemoryBytes))
	case event.LimitPids:
		return fmt.Sprintf("Stopped: the program tried to run more than %d processes at once.", l.Pids)
	case event.LimitOutput:
		return fmt.Sprintf("Stopped: the program printed more than %s of output.", sizeText(l.OutputBytes))
	case event.LimitDisk:
		size := l.TmpBytes
		if s.diskWhere == "/dev/shm" {
			size = l.ShmBytes
		}
		if s.diskWhere == "/dev/shm" {
			return fmt.Sprintf("Stopped: the program's shared memory filled /dev/shm (%s, %d blocks at most).", sizeText(size), sandbox.TmpfsInodes)
		}
		return fmt.Sprintf("Stopped: the program filled %s (%s, %d files at most).", s.diskWhere, sizeText(size), sandbox.TmpfsInodes)
	case event.LimitEvents:
		return s.budget.message()
	}
	return "Stopped: the program hit a limit."
}

// end closes every process still open and emits run.end.
func (s *session) end() Result {
	now := record.MonoNS()
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

// recordBatch is what the reader hands the session: records, or why the
// stream ended (io.EOF when the init closed it).
type recordBatch struct {
	recs []record.Record
	err  error
}

// readRecords reads the init's records and hands them on in batches: a
// burst of thousands crosses the channel in a few steps. It ends with the
// stream, or when quit is closed.
func readRecords(r io.Reader, out chan<- recordBatch, quit <-chan struct{}) {
	br := bufio.NewReaderSize(r, 256<<10)
	var buf []byte
	hand := func(b recordBatch) bool {
		select {
		case out <- b:
			return true
		case <-quit:
			return false
		}
	}
	for {
		var batch []record.Record
		for {
			rec, b, err := record.Read(br, buf)
			buf = b
			if err != nil {
				if len(batch) == 0 || hand(recordBatch{recs: batch}) {
					hand(recordBatch{err: err})
				}
				return
			}
			batch = append(batch, rec)
			if br.Buffered() == 0 || len(batch) == maxRecordBatch {
				break
			}
		}
		if !hand(recordBatch{recs: batch}) {
			return
		}
	}
}

// maxRecordBatch bounds a batch of records.
const maxRecordBatch = 512

func feedStdin(src io.Reader, w *os.File) {
	defer w.Close()
	if src != nil {
		_, _ = io.Copy(w, src)
	}
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
