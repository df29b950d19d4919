package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"mpplayground/event"
	"mpplayground/runner/record"
)

// ptrace options: every new task is attached before it runs, so no process
// of the run can start unobserved; EXITKILL takes the tree down with us.
const traceOptions = unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL

// forkTraceOptions are added where the tracer follows every fork to its end
// (fallback.go): seccomp stops, and syscall stops told apart from SIGTRAP.
const forkTraceOptions = unix.PTRACE_O_TRACESECCOMP | unix.PTRACE_O_TRACESYSGOOD

// syscallStop is the stop signal of a syscall stop under PTRACE_O_TRACESYSGOOD.
const syscallStop = syscall.SIGTRAP | 0x80

// task is a thread the tracer knows of.
type task struct {
	tid, tgid int
	firstStop bool // its attach stop arrived
	ready     bool // it may run: the fork event that made it was handled
	ppid      int  // from /proc, for a task seen before its parent's event
}

// proc is a process of the run, keyed by pid.
type proc struct {
	pid, ppid int
	name      string
	via       string
	started   bool // proc.start emitted
	pending   bool // vfork child: proc.start waits for its exec
	vforkSeq  int  // the order of its vfork among all of the run's
	// deferred: a spawn child that exec'd while an earlier vfork child
	// of its parent had not: it is named, and started, once that one has
	// (see spawnnames.go); execArgv is its argv, for its proc.exec.
	deferred   bool
	execArgv   []string
	forkserver bool
	// startExec: the exec that started the main process may still be
	// reported after the init attached; it is not a change of program.
	startExec bool
}

// tracer is the init's observer: the ptrace loop (on the locked main
// thread) and the datagram receiver share its state under mu, so that
// every record leaves in the order things happened.
type tracer struct {
	cfg    *record.Config
	wire   *wireWriter
	python string // the interpreter's real path, as /proc/PID/exe shows it

	mu      sync.Mutex
	rx      *os.File // receiving socket of every output and hook datagram
	outSock *os.File // the program's fd 1
	errSock *os.File // the program's fd 2
	outName string
	errName string

	tasks map[int]*task
	procs map[int]*proc
	ann   announcements
	out   outputState
	// ipcLines and ipcBytes count the IPC reports passed on to the runner.
	ipcLines, ipcBytes int

	vforks     int // vfork children seen, to order them
	mainPID    int
	mainExited bool
	killing    bool
	diskFull   bool
	limitSent  bool           // a limit found in the place of a cgroup (fallback.go)
	errTail    map[int][]byte // the end of each process's stderr, where memory deaths are watched
}

func newTracer(cfg *record.Config, wire *wireWriter) (*tracer, error) {
	t := &tracer{
		cfg:     cfg,
		wire:    wire,
		tasks:   map[int]*task{},
		procs:   map[int]*proc{},
		outName: "@playground-" + cfg.RunID + "-out",
		errName: "@playground-" + cfg.RunID + "-err",
	}
	t.ann.init()
	t.out.init(cfg.Limits.OutputBytes)
	t.python = cfg.Python
	if real, err := filepath.EvalSymlinks(cfg.Python); err == nil {
		t.python = real
	}
	var err error
	if t.rx, err = datagramSocket(eventSocketName(cfg.RunID), "", true); err != nil {
		return nil, fmt.Errorf("create the output socket: %w", err)
	}
	if t.outSock, err = datagramSocket(t.outName, eventSocketName(cfg.RunID), false); err != nil {
		return nil, fmt.Errorf("create the stdout socket: %w", err)
	}
	if t.errSock, err = datagramSocket(t.errName, eventSocketName(cfg.RunID), false); err != nil {
		return nil, fmt.Errorf("create the stderr socket: %w", err)
	}
	return t, nil
}

// senderBuffer is the send buffer asked for each output socket; the kernel
// caps it at net.core.wmem_max. One write() is one datagram, so it also
// bounds the largest single write (the hook splits Python's writes).
const senderBuffer = 4 << 20

// datagramSocket makes an AF_UNIX datagram socket bound to name. With
// connectTo it is a sender connected to the receiver; otherwise it is the
// receiver, which gets the writer's pid with every datagram.
func datagramSocket(name, connectTo string, receiver bool) (*os.File, error) {
	typ := unix.SOCK_DGRAM | unix.SOCK_CLOEXEC
	if receiver {
		typ |= unix.SOCK_NONBLOCK
	}
	fd, err := unix.Socket(unix.AF_UNIX, typ, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if receiver {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
			unix.Close(fd)
			return nil, err
		}
	} else {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, senderBuffer)
		if err := unix.Connect(fd, &unix.SockaddrUnix{Name: connectTo}); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// startProgram starts python on the program and attaches to it before it
// can run a line of it.
func (t *tracer) startProgram() error {
	if err := applyRlimits(t.cfg); err != nil {
		return err
	}

	goR, goW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer goR.Close()
	defer goW.Close()
	stdin := os.NewFile(record.StdinFD, "stdin")
	home, _ := os.Getwd()
	// syscall's start, not os's: os.StartProcess first proves, once per
	// process, that pidfds work, with a clone and a wait of its own, in
	// every run's init; the init needs only the pid.
	attr := &syscall.ProcAttr{
		Dir:   home,
		Env:   withArenaCap(t.cfg, programEnv(t.cfg, home)),
		Files: []uintptr{stdin.Fd(), t.outSock.Fd(), t.errSock.Fd(), goR.Fd()},
		Sys:   &syscall.SysProcAttr{},
	}
	if t.cfg.Sandbox {
		attr.Sys.Credential = &syscall.Credential{Uid: uint32(t.cfg.UID), Gid: uint32(t.cfg.GID), Groups: []uint32{}, NoSetGroups: !t.cfg.DropGrps}
	}
	pidfd := -1
	if traceForks(t.cfg) {
		// The start of the program must be a clone with CLONE_PIDFD, the
		// one the seccomp filter lets by untraced (programFilter).
		attr.Sys.PidFD = &pidfd
	}
	pid, err := startOnProgramThread(t.cfg.Sandbox, traceForks(t.cfg), func() (int, error) {
		pid, _, err := syscall.StartProcess(t.cfg.Python, []string{t.cfg.Python, ProgramName}, attr)
		return pid, err
	})
	if pidfd >= 0 {
		unix.Close(pidfd)
	}
	if err != nil {
		return err
	}
	stdin.Close()
	opts := uintptr(traceOptions)
	if traceForks(t.cfg) {
		opts |= forkTraceOptions
	}
	if err := ptraceSeize(pid, opts); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("attach to python: %w", err)
	}
	if err := applyFallbackRlimits(pid, t.cfg); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return err
	}
	t.mu.Lock()
	t.mainPID = pid
	t.tasks[pid] = &task{tid: pid, tgid: pid, firstStop: true, ready: true}
	mp := &proc{pid: pid, ppid: os.Getpid(), name: "MainProcess", via: "exec", startExec: true}
	t.procs[pid] = mp
	t.emitStart(mp)
	t.wire.flush()
	t.mu.Unlock()
	_, err = goW.Write([]byte{1})
	return err
}

func ptraceSeize(pid int, opts uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, opts, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func ptraceListen(pid int) {
	_, _, _ = unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_LISTEN, uintptr(pid), 0, 0, 0, 0)
}

// loop reaps and resumes every task until none is left.
func (t *tracer) loop() {
	for {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		t.mu.Lock()
		// Whatever a task wrote before this change of state is already
		// queued on the socket: report it first.
		t.drain()
		if err != nil {
			// No task is left. The lock stays held until the init exits,
			// so that nothing more is written after the last record.
			t.finish()
			return
		}
		t.handle(tid, ws)
		t.wire.flush()
		t.mu.Unlock()
	}
}

// finish reports processes that never came back (none, normally) and
// cleans up; called with mu held once no task is left. The receiving
// socket is left open: closing it would wait for the receiver, which may
// be waiting for mu.
func (t *tracer) finish() {
	for _, p := range t.procs {
		t.ensureStarted(p)
		t.out.flushProc(t, p.pid)
		t.emit(&event.Event{Type: event.TypeProcExit, PID: p.pid, Signal: "SIGKILL"})
	}
	t.wire.flush()
	if unsandboxedDir != "" {
		_ = os.RemoveAll(unsandboxedDir)
	}
}

var debugInit = os.Getenv("PLAYGROUND_DEBUG_INIT") != ""

func (t *tracer) handle(tid int, ws unix.WaitStatus) {
	if debugInit {
		fmt.Fprintf(os.Stderr, "init: tid %d status %#x stopped=%v sig=%v event=%d\n", tid, uint32(ws), ws.Stopped(), ws.StopSignal(), int(uint32(ws)>>16)&0xff)
	}
	switch {
	case ws.Exited() || ws.Signaled():
		t.taskGone(tid, ws)
	case ws.Stopped():
		sig := ws.StopSignal()
		event := int(uint32(ws)>>16) & 0xff
		switch {
		case event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK || event == unix.PTRACE_EVENT_CLONE:
			t.onFork(tid, event)
			_ = unix.PtraceCont(tid, 0)
		case event == unix.PTRACE_EVENT_EXEC:
			t.onExec(tid)
			_ = unix.PtraceCont(tid, 0)
		case event == unix.PTRACE_EVENT_STOP:
			t.onEventStop(tid, sig)
		case event == unix.PTRACE_EVENT_SECCOMP:
			t.onForkStop(tid)
		case event == 0 && sig == syscallStop:
			t.onSyscallExit(tid)
		case event != 0:
			_ = unix.PtraceCont(tid, 0)
		default:
			// A signal is about to be delivered: deliver it.
			_ = unix.PtraceCont(tid, int(sig))
		}
	}
}

// onEventStop handles the attach stop of a new task, a group-stop (SIGSTOP
// and friends, kept in effect with PTRACE_LISTEN) and interrupt stops.
func (t *tracer) onEventStop(tid int, sig syscall.Signal) {
	tk := t.tasks[tid]
	if tk == nil || !tk.firstStop {
		if tk == nil {
			tk = t.newTask(tid)
		}
		tk.firstStop = true
		if tk.ready {
			_ = unix.PtraceCont(tid, 0)
		}
		return
	}
	switch sig {
	case syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU:
		ptraceListen(tid)
	default:
		_ = unix.PtraceCont(tid, 0)
	}
}

// newTask registers a task seen before the event of the parent that made
// it. A thread may run at once; a process waits for its parent's event,
// which names it.
func (t *tracer) newTask(tid int) *task {
	st := readStatus(tid)
	tk := &task{tid: tid, tgid: st.tgid, ppid: st.ppid}
	if tk.tgid == 0 {
		tk.tgid = tid
	}
	t.tasks[tid] = tk
	if tk.tgid != tid {
		tk.ready = true
	} else if parent := t.procs[tk.ppid]; parent == nil {
		// Its parent is already gone (it was reparented): no fork event
		// will announce it.
		if tk.ppid != 0 {
			t.adoptUnannounced(tk, "python3")
		}
	}
	if t.killing {
		t.kill(tid)
	}
	return tk
}

func (t *tracer) onFork(parentTid, event int) {
	if p := t.procs[parentTid]; p != nil {
		p.startExec = false
	}
	msg, err := unix.PtraceGetEventMsg(parentTid)
	if err != nil {
		return
	}
	child := int(msg)
	parent := t.tasks[parentTid]
	if parent == nil {
		parent = t.newTask(parentTid)
		parent.firstStop, parent.ready = true, true
	}
	tk := t.tasks[child]
	if tk == nil {
		tk = &task{tid: child, tgid: child}
		if event == unix.PTRACE_EVENT_CLONE {
			if st := readStatus(child); st.tgid != 0 {
				tk.tgid = st.tgid
			}
		}
		t.tasks[child] = tk
	}
	if tk.tgid == parent.tgid && tk.tid != tk.tgid {
		// A new thread of an existing process.
		t.resumeNew(tk)
		return
	}
	tk.tgid = child
	pp := t.procs[parent.tgid]
	if pp != nil {
		t.ensureStarted(pp)
	}
	p := &proc{pid: child, ppid: parent.tgid}
	t.procs[child] = p
	t.nameChild(p, pp, parentTid, event)
	if !p.pending {
		t.emitStart(p)
	}
	t.resumeNew(tk)
}

func (t *tracer) resumeNew(tk *task) {
	tk.ready = true
	if t.killing {
		t.kill(tk.tid)
	}
	if tk.firstStop {
		_ = unix.PtraceCont(tk.tid, 0)
	}
}

func (t *tracer) onExec(tid int) {
	if former, err := unix.PtraceGetEventMsg(tid); err == nil && int(former) != tid {
		// A thread other than the leader called execve and took its pid.
		delete(t.tasks, int(former))
	}
	p := t.procs[tid]
	if p == nil {
		return
	}
	if p.startExec {
		p.startExec = false
		return
	}
	argv := readCmdline(tid)
	if p.pending && !p.deferred && t.mpRole(p.pid, argv) == "spawn" && t.earlierUndecided(p) {
		p.deferred, p.execArgv = true, argv
		return
	}
	if p.pending {
		t.nameExec(p, argv)
		p.pending = false
		t.emitStart(p)
	} else {
		t.renameExec(p, argv)
	}
	t.emit(&event.Event{Type: event.TypeProcExec, PID: tid, Argv: argv})
	t.settleSpawns(p.ppid)
}

func (t *tracer) taskGone(tid int, ws unix.WaitStatus) {
	tk := t.tasks[tid]
	delete(t.tasks, tid)
	if tk != nil && tk.tid != tk.tgid {
		return
	}
	p := t.procs[tid]
	if p == nil {
		return
	}
	t.ensureStarted(p)
	// Children whose parent died before its fork event was seen: they
	// were born before it died.
	for _, c := range t.tasks {
		if !c.ready && c.tid == c.tgid && c.ppid == tid {
			t.adoptUnannounced(c, p.name)
		}
	}
	t.out.flushProc(t, tid)
	ev := &event.Event{Type: event.TypeProcExit, PID: tid}
	if ws.Signaled() {
		ev.Signal = unix.SignalName(ws.Signal())
		if ev.Signal == "" {
			ev.Signal = fmt.Sprintf("SIG%d", int(ws.Signal()))
		}
	} else {
		code := ws.ExitStatus()
		ev.Code = &code
	}
	t.emit(ev)
	delete(t.procs, tid)
	t.settleSpawns(p.ppid)
	if watchMemoryDeaths(t.cfg) {
		t.checkMemoryDeath(tid, ws.ExitStatus(), ws.Signaled())
	}
	t.checkDisks()
	if tid == t.mainPID {
		t.mainExited = true
		if len(t.procs) > 0 {
			// Give the rest (resource tracker, forkserver) a moment to
			// finish on their own, then end them.
			graceTimer(time.Duration(t.cfg.Grace)*time.Millisecond, t.killAll)
		}
	}
}

// adoptUnannounced reports a process whose parent's fork event will not
// come (the parent is gone), with what is known of it.
func (t *tracer) adoptUnannounced(c *task, name string) {
	cp := &proc{pid: c.tid, ppid: c.ppid, name: name, via: "fork"}
	t.procs[c.tid] = cp
	t.emitStart(cp)
	t.resumeNew(c)
}

// ensureStarted emits a pending proc.start with what is known so far.
func (t *tracer) ensureStarted(p *proc) {
	if p.started {
		return
	}
	if p.deferred {
		// It must be shown now (it wrote, forked or ended): named from
		// what is known.
		t.startDeferred(p)
		return
	}
	if p.pending {
		p.pending = false
		if p.via == "" {
			p.via = "fork"
		}
		defer t.settleSpawns(p.ppid)
	}
	t.emitStart(p)
}

func (t *tracer) emitStart(p *proc) {
	if p.started {
		return
	}
	p.started = true
	ppid := p.ppid
	t.emit(&event.Event{Type: event.TypeProcStart, PID: p.pid, PPID: &ppid, Name: p.name, Via: p.via})
}

func (t *tracer) emit(ev *event.Event) { t.wire.send(record.Record{Event: ev}) }

// killAll ends every process of the run.
func (t *tracer) killAll() {
	t.mu.Lock()
	t.killAllLocked()
	t.mu.Unlock()
}

func (t *tracer) killAllLocked() {
	t.killing = true
	if t.cfg.Sandbox {
		// pid 1 of the namespace: this reaches every process of the run,
		// setsid daemons included, and nothing outside it.
		_ = unix.Kill(-1, unix.SIGKILL)
		return
	}
	for pid := range t.procs {
		t.kill(pid)
	}
	for tid := range t.tasks {
		t.kill(tid)
	}
}

func (t *tracer) kill(pid int) {
	if t.cfg.Sandbox {
		_ = unix.Kill(-1, unix.SIGKILL)
		return
	}
	_ = unix.Kill(pid, unix.SIGKILL)
}

// WritableDirs are the sandbox's only writable file systems: the working
// directory, /tmp and /dev/shm.
var WritableDirs = []string{Home, "/tmp", "/dev/shm"}

// checkDisks stops the run when a process ended while one of the run's
// writable file systems is full: whatever it said (No space left on
// device, or SIGBUS for a SharedMemory), the learner gets a plain reason.
func (t *tracer) checkDisks() {
	if !t.cfg.Sandbox || t.diskFull {
		return
	}
	for _, dir := range WritableDirs {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) != nil {
			continue
		}
		if st.Bavail == 0 || st.Ffree == 0 {
			t.diskFull = true
			t.wire.send(record.Record{Limit: event.LimitDisk, Where: dir})
			t.killAllLocked()
			return
		}
	}
}
