package runner

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"mpplayground/event"
	"mpplayground/runner/record"
)

// A run is stuck when every live process of the program waits on a
// multiprocessing object and has for stuckAfter: the runner then probes
// it twice, stuckAfter apart, through the init (the CPU its processes
// used, and each one's stack, see record.CmdProbe). No CPU progress
// between the probes, no event of the program between them and every
// thread of every process in a wait make a deadlock certain: the run gets
// its diagnosis and ends at once. Anything less, and the runner looks
// again later; at the wall time, a run whose processes all wait gets its
// diagnosis all the same.
const (
	stuckAfter = time.Second
	// stuckRecheck is how long after an uncertain probe the runner looks
	// again, if the run is still stuck.
	stuckRecheck = 2 * time.Second
	// stacksWait bounds the wait for the stacks asked by a probe.
	stacksWait = time.Second
	// idleTicksPerSecond is the CPU the run's processes may use while they
	// all wait (answering the probe, a pool's housekeeping thread): five
	// clock ticks a second, 5% of one core.
	idleTicksPerSecond = 5
	// maxStuckProcs bounds the processes whose waits are followed.
	maxStuckProcs = 1024
)

// waitingProc is what the runner knows of a live process of the program.
type waitingProc struct {
	name   string
	ppid   int
	waits  []openWait // the waits it is in, innermost last
	tasks  int        // pool tasks it started and has not finished
	exited bool
	code   int   // its exit code, or -1 for a signal
	last   int64 // CLOCK_MONOTONIC of its last event
}

// openWait is a wait.begin not yet ended.
type openWait struct {
	object, op string
	since      int64 // CLOCK_MONOTONIC
	timed      bool  // it has a timeout: it ends by itself
	info       string
}

// stuckState follows the run's processes and their waits, and the probes
// of a run that seems stuck.
type stuckState struct {
	procs    map[int]*waitingProc
	activity int64 // CLOCK_MONOTONIC of the run's last event
	use      usage

	probing  bool  // a probe was asked and not yet answered in full
	probeAt  int64 // when it was asked
	baseline int64 // CPU ticks at the first probe of this stuck stretch, -1 when none
	baseAt   int64 // when the init read them
	// baseActivity is the last event's time at the first probe: any event
	// since then means the run moved.
	baseActivity int64
	cpuStill     bool         // the second probe found no CPU progress
	asked        map[int]bool // the processes asked for a stack, and not yet answered
	stacks       map[int][]event.Frame
	allWait      map[int]bool // answered that every thread of the program waits
	nextCheck    int64
	atWall       bool // the probe was asked for the wall time's diagnosis
	// cycle, when not every process waits, are the processes of a cycle
	// of lock waits that the probes are to confirm.
	cycle []int
	// partial: the diagnosis is made while some processes do not wait,
	// so only the patterns that hold whatever those do may match.
	partial   bool
	diagnosed bool
	misuses   []misuse
	// unstarted counts the program's pool tasks submitted and not yet
	// started by a worker (pool.submit less pool.start, never below 0).
	unstarted int
}

// misuse is a report of the hook: a process used multiprocessing in a way
// that fails or hangs (a pattern of the catalogue), at the given frames.
type misuse struct {
	pattern string
	pid     int
	frames  []event.Frame
}

func (st *stuckState) init() {
	st.procs = map[int]*waitingProc{}
	st.baseline = -1
	st.use.init()
}

// observe follows one event of the run as it is sent.
func (st *stuckState) observe(ns int64, e *event.Event) {
	switch e.Type {
	case event.TypeProcStart:
		if len(st.procs) >= maxStuckProcs {
			st.forgetExited()
		}
		if len(st.procs) < maxStuckProcs {
			ppid := 0
			if e.PPID != nil {
				ppid = *e.PPID
			}
			st.procs[e.PID] = &waitingProc{name: e.Name, ppid: ppid}
		}
	case event.TypeProcExit:
		if p := st.procs[e.PID]; p != nil {
			p.exited, p.waits = true, nil
			p.code = -1
			if e.Code != nil {
				p.code = *e.Code
			}
		}
	case event.TypeWaitBegin, event.TypeWaitEnd:
		// followed by wait, with what only the report says
	case event.TypePoolSubmit:
		st.unstarted++
	case event.TypePoolStart, event.TypePoolDone:
		if e.Type == event.TypePoolStart && st.unstarted > 0 {
			st.unstarted--
		}
		if p := st.procs[e.PID]; p != nil {
			if e.Type == event.TypePoolStart {
				p.tasks++
			} else if p.tasks > 0 {
				p.tasks--
			}
		}
	}
	st.use.observe(e)
	st.activity = max(st.activity, ns)
	if p := st.procs[e.PID]; p != nil && e.PID != 0 {
		p.last = max(p.last, ns)
	}
}

// forgetExited makes room for new processes: a run that has started
// maxStuckProcs processes forgets those that have exited (a holder that
// exited long ago is then not named).
func (st *stuckState) forgetExited() {
	for pid, p := range st.procs {
		if p.exited {
			delete(st.procs, pid)
		}
	}
}

// wait follows a wait event, with the report's timeout flag and details.
func (st *stuckState) wait(ns int64, e *event.Event, m *ipcMessage) {
	p := st.procs[e.PID]
	if p == nil {
		return
	}
	if e.Type == event.TypeWaitBegin {
		if len(p.waits) < 16 {
			p.waits = append(p.waits, openWait{object: e.Object, op: e.Op, since: ns, timed: m.Other == "t", info: cut(m.Summary)})
		}
		return
	}
	for i := len(p.waits) - 1; i >= 0; i-- {
		if p.waits[i].object == e.Object && p.waits[i].op == e.Op {
			p.waits = slices.Delete(p.waits, i, i+1)
			break
		}
	}
}

// helper reports whether a process is one of Python's own, which waits
// for work by design: the resource tracker, a fork server, a manager's
// server, or a pool's worker between tasks while no task waits to be
// taken. A worker with tasks waiting for it is not idle but on its way to
// them: still starting (a spawned interpreter, slow on a busy machine),
// or between two tasks.
func (st *stuckState) helper(p *waitingProc) bool {
	switch {
	case p.name == "resource_tracker" || p.name == "forkserver":
		return true
	case strings.HasPrefix(p.name, "SyncManager-"):
		return true
	case strings.Contains(p.name, "PoolWorker-"):
		return p.tasks == 0 && len(p.waits) == 0 && st.unstarted == 0
	}
	return false
}

// allWaiting reports whether every live process of the program is in a
// wait (an untimed one, unless any will do), at least one of them is, and
// since when the last of them has been.
func (st *stuckState) allWaiting(anyWait bool) (since int64, ok bool) {
	waiting := 0
	for _, p := range st.procs {
		if p.exited {
			continue
		}
		if len(p.waits) == 0 {
			if st.helper(p) {
				continue
			}
			return 0, false
		}
		w := p.waits[len(p.waits)-1]
		if w.timed && !anyWait {
			return 0, false
		}
		waiting++
		since = max(since, w.since)
	}
	return since, waiting > 0
}

// checkStuck runs on the runner's poll: it asks for a probe when the run
// has been stuck for stuckAfter, and judges the answers.
func (s *session) checkStuck() {
	st := &s.stuck
	if st.diagnosed || s.killSent || s.req.NoIPC {
		return
	}
	now := record.MonoNS()
	if st.probing {
		if len(st.asked) == 0 && st.asked != nil || time.Duration(now-st.probeAt) > stacksWait {
			s.probed(now)
		}
		return
	}
	if now < st.nextCheck {
		return
	}
	st.cycle = nil
	if _, ok := st.allWaiting(false); !ok || time.Duration(now-st.activity) < stuckAfter {
		// A cycle of lock waits is a deadlock whatever the other
		// processes do.
		if st.cycle = st.quietCycle(now); st.cycle == nil {
			st.baseline = -1
			return
		}
	}
	s.askProbe(now, false)
}

// quietCycle finds a cycle of processes each in an untimed wait for a lock
// the next one holds, none of which has had an event for stuckAfter.
func (st *stuckState) quietCycle(now int64) []int {
	f, ok := st.lockOrder(st.waitingPIDs())
	if !ok {
		return nil
	}
	for _, pid := range f.pids {
		p := st.procs[pid]
		if p.waits[len(p.waits)-1].timed || time.Duration(now-p.last) < stuckAfter {
			return nil
		}
	}
	return f.pids
}

// askProbe asks the init for a probe; its Probe record and the stacks
// complete it.
func (s *session) askProbe(now int64, atWall bool) {
	st := &s.stuck
	st.probing, st.probeAt, st.atWall = true, now, atWall
	st.asked = nil
	st.stacks = map[int][]event.Frame{}
	st.allWait = map[int]bool{}
	_ = s.init.ctl.SetWriteDeadline(time.Now().Add(killBackstop))
	if _, err := s.init.ctl.Write([]byte(record.CmdProbe)); err != nil {
		st.probing = false
	}
}

// probeAnswered takes the init's Probe record.
func (s *session) probeAnswered(ns int64, pr *record.Probe) {
	st := &s.stuck
	if !st.probing || st.asked != nil {
		return
	}
	st.asked = map[int]bool{}
	for _, pid := range pr.PIDs {
		if p := st.procs[pid]; p != nil && !p.exited {
			st.asked[pid] = true
		}
	}
	switch {
	case st.atWall:
	case st.baseline < 0:
		st.baseline, st.baseAt, st.baseActivity = pr.CPUTicks, ns, st.activity
		st.cpuStill = false
	default:
		secs := max(float64(ns-st.baseAt)/1e9, 1)
		st.cpuStill = float64(pr.CPUTicks-st.baseline) <= idleTicksPerSecond*secs
	}
}

// stackReported takes a process's answer to the probe: its frames, and
// whether every thread of the program waits.
func (s *session) stackReported(pid int, m *ipcMessage) {
	st := &s.stuck
	if !st.probing || !st.asked[pid] {
		return
	}
	delete(st.asked, pid)
	st.stacks[pid] = parseFrames(m.Summary)
	st.allWait[pid] = m.Other == "w"
}

// probed judges a probe once its stacks are in (or their time is up).
func (s *session) probed(now int64) {
	st := &s.stuck
	st.probing = false
	switch {
	case st.atWall:
		s.diagnose(false)
		return
	case st.baseline < 0:
		return
	case st.baseAt >= st.probeAt:
		// The first probe of the stretch: the second comes stuckAfter later.
		st.nextCheck = st.baseAt + int64(stuckAfter)
		return
	}
	var certain bool
	if st.cycle != nil {
		certain = st.cycleHolds()
	} else {
		_, waiting := st.allWaiting(false)
		certain = waiting && st.cpuStill && st.activity == st.baseActivity && st.asked != nil && len(st.asked) == 0
		for pid, all := range st.allWait {
			// Python's helpers wait for work in calls of their own.
			p := st.procs[pid]
			certain = certain && (all || p != nil && st.helper(p))
		}
	}
	st.baseline = -1
	if !certain {
		st.nextCheck = now + int64(stuckRecheck)
		return
	}
	s.diagnose(true)
}

// cycleHolds reports whether the cycle of the first probe is still there
// at the second, none of its processes has had an event since the first,
// and each answered that all its threads wait.
func (st *stuckState) cycleHolds() bool {
	f, ok := st.lockOrder(st.waitingPIDs())
	if !ok || !slices.Equal(sortedCopy(f.pids), sortedCopy(st.cycle)) {
		return false
	}
	for _, pid := range st.cycle {
		if st.procs[pid].last > st.baseAt || !st.allWait[pid] {
			return false
		}
	}
	return true
}

// sortedCopy is s sorted, s left as it is.
func sortedCopy[T cmp.Ordered](s []T) []T {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// atWallTime gives a run that hit its wall time while all its processes
// wait its diagnosis first: it reports whether a probe was asked (the
// run is killed once it is judged).
func (s *session) atWallTime() bool {
	st := &s.stuck
	if st.diagnosed || s.req.NoIPC || s.init == nil {
		return false
	}
	_, all := st.allWaiting(true)
	if !all && len(st.waitingPIDs()) == 0 {
		return false
	}
	st.partial = !all
	s.askProbe(record.MonoNS(), true)
	return true
}

// parseFrames reads the frames of a stack report: "line\x1ffunction"
// joined by "\x1e", outermost first.
func parseFrames(s string) []event.Frame {
	var out []event.Frame
	for _, f := range strings.Split(s, "\x1e") {
		line, fn, ok := strings.Cut(f, "\x1f")
		n, err := strconv.Atoi(line)
		if !ok || err != nil || n <= 0 || !validFunction(fn) {
			continue
		}
		out = append(out, event.Frame{File: ProgramFile, Line: n, Function: fn})
		if len(out) == maxStackFrames {
			break
		}
	}
	return out
}

// maxStackFrames bounds the frames of one process in a diagnosis.
const maxStackFrames = 32

// validFunction accepts a function's name as Python's code objects give
// it: an identifier (a method's plain name), or <module>, <lambda>,
// <listcomp> and their like.
func validFunction(fn string) bool {
	if len(fn) > 80 {
		return false
	}
	if strings.HasPrefix(fn, "<") && strings.HasSuffix(fn, ">") {
		return isIdentifier(fn[1 : len(fn)-1])
	}
	return isIdentifier(fn)
}
