package runner

import (
	"fmt"
	"slices"
	"strings"

	"mpplayground/event"
	"mpplayground/runner/record"
)

// usage is what the run's processes did with its objects, as far as a
// diagnosis needs it: who put to each queue, who holds each lock, who used
// each end of a pipe, and the names the program gave them.
type usage struct {
	putters map[string][]int       // queue id -> the processes that put to it
	holders map[string]map[int]int // lock id -> process -> acquires not released
	ends    map[string][2][]int    // pipe id -> the processes that used each end
	names   map[string]string      // object id -> the program's name for it
}

// Bounds on what usage remembers: objects, and processes per object.
const (
	maxUsageObjects = 4096
	maxUsageProcs   = 64
)

func (u *usage) init() {
	u.putters = map[string][]int{}
	u.holders = map[string]map[int]int{}
	u.ends = map[string][2][]int{}
	u.names = map[string]string{}
}

func addPID(pids []int, pid int) []int {
	if slices.Contains(pids, pid) || len(pids) >= maxUsageProcs {
		return pids
	}
	return append(pids, pid)
}

func (u *usage) observe(e *event.Event) {
	if id := objectID(e); id != "" && e.Name != "" && len(u.names) < maxUsageObjects {
		u.names[id] = e.Name
	}
	switch e.Type {
	case event.TypeQueuePut:
		if _, ok := u.putters[e.Queue]; ok || len(u.putters) < maxUsageObjects {
			u.putters[e.Queue] = addPID(u.putters[e.Queue], e.PID)
		}
	case event.TypeLockAcquire:
		h := u.holders[e.Lock]
		if h == nil {
			if len(u.holders) >= maxUsageObjects {
				return
			}
			h = map[int]int{}
			u.holders[e.Lock] = h
		}
		if _, ok := h[e.PID]; ok || len(h) < maxUsageProcs {
			h[e.PID]++
		}
	case event.TypeLockRelease:
		if h := u.holders[e.Lock]; h[e.PID] > 1 {
			h[e.PID]--
		} else {
			delete(h, e.PID)
		}
	case event.TypePipeSend, event.TypePipeRecv:
		if e.End == nil || *e.End < 0 || *e.End > 1 {
			return
		}
		ends, ok := u.ends[e.Pipe]
		if !ok && len(u.ends) >= maxUsageObjects {
			return
		}
		ends[*e.End] = addPID(ends[*e.End], e.PID)
		u.ends[e.Pipe] = ends
	}
}

// label names an object in a sentence: its name and id, or its id.
func (u *usage) label(id string) string {
	if n := u.names[id]; n != "" {
		return n + " (" + id + ")"
	}
	return id
}

// finding is a diagnosis before it is an event.
type finding struct {
	pattern string
	pids    []int
	message string
}

// diagnose says why the run is stuck, once: certain, the deadlock ends
// the run at once.
func (s *session) diagnose(certain bool) {
	st := &s.stuck
	if st.diagnosed {
		return
	}
	f := st.find()
	if f.pattern == "" {
		return
	}
	s.emitDiagnosis(f, nil)
	if certain {
		s.hitLimit(event.LimitDeadlock)
		s.kill()
	}
}

// diagnoseMisuse gives a run that ends with a misuse the hook reported
// (one that fails rather than hangs) its diagnosis, when the process that
// made it failed.
func (s *session) diagnoseMisuse() {
	st := &s.stuck
	if st.diagnosed {
		return
	}
	for _, m := range st.misuses {
		p := st.procs[m.pid]
		if p == nil || !p.exited || p.code == 0 {
			continue
		}
		s.emitDiagnosis(st.misuseFinding(m), &m)
		return
	}
}

func (s *session) emitDiagnosis(f finding, m *misuse) {
	st := &s.stuck
	st.diagnosed = true
	stacks := map[int][]event.Frame{}
	for pid, frames := range st.stacks {
		if len(frames) > 0 && len(stacks) < record.MaxProbePIDs {
			stacks[pid] = frames
		}
	}
	if m != nil && len(m.frames) > 0 {
		stacks[m.pid] = m.frames
	}
	s.send(record.MonoNS(), event.Event{Type: event.TypeDiagnosis, Pattern: f.pattern, PIDs: f.pids, Message: f.message, Stacks: stacks})
}

// find matches the waits of the run against the catalogue, the patterns
// that explain most first.
func (st *stuckState) find() finding {
	for _, m := range st.misuses {
		if p := st.procs[m.pid]; p != nil {
			return st.misuseFinding(m)
		}
	}
	waiting := st.waitingPIDs()
	if len(waiting) == 0 {
		return finding{}
	}
	matchers := []func([]int) (finding, bool){
		st.lockOrder, st.joinBeforeDrain, st.lockNotReleased, st.barrierTooFew,
		st.recvNoSender, st.resultNeverReady, st.eventNeverSet, st.tasksNotDone, st.missingSentinel,
	}
	if st.partial {
		// Some processes sleep or compute: only what they cannot undo.
		matchers = []func([]int) (finding, bool){st.lockOrder, st.lockNotReleased, st.recvNoSender, st.resultNeverReady}
	}
	for _, try := range matchers {
		if f, ok := try(waiting); ok {
			return f
		}
	}
	if st.partial {
		return finding{}
	}
	// Those that wait for a process to end come last: the others are why.
	slices.SortStableFunc(waiting, func(a, b int) int {
		return boolInt(st.top(a).op == "join") - boolInt(st.top(b).op == "join")
	})
	var parts []string
	for _, pid := range waiting {
		w := st.top(pid)
		parts = append(parts, fmt.Sprintf("process %d waits to %s %s", pid, w.op, st.use.label(w.object)))
	}
	return finding{event.PatternUnknownWait, waiting, upperFirst(strings.Join(parts, "; ")) + ", and nothing the playground can see will wake them."}
}

// waitingPIDs are the live processes in a wait, in order of pid.
func (st *stuckState) waitingPIDs() []int {
	var out []int
	for pid, p := range st.procs {
		if !p.exited && len(p.waits) > 0 {
			out = append(out, pid)
		}
	}
	slices.Sort(out)
	return out
}

func (st *stuckState) top(pid int) openWait {
	p := st.procs[pid]
	return p.waits[len(p.waits)-1]
}

func (st *stuckState) live(pid int) bool {
	p := st.procs[pid]
	return p != nil && !p.exited
}

// waitsOn reports whether pid is in a wait of op on object.
func (st *stuckState) waitsOn(pid int, op, object string) bool {
	if !st.live(pid) || len(st.procs[pid].waits) == 0 {
		return false
	}
	w := st.top(pid)
	return w.op == op && (object == "" || w.object == object)
}

// holdersOf are the processes that hold a lock, by pid.
func (st *stuckState) holdersOf(lock string) []int {
	var out []int
	for pid := range st.use.holders[lock] {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

// lockOrder finds a cycle of processes, each waiting for a lock the next
// one holds.
func (st *stuckState) lockOrder(waiting []int) (finding, bool) {
	next := func(pid int) int {
		if !st.waitsOn(pid, "acquire", "") {
			return 0
		}
		for _, h := range st.holdersOf(st.top(pid).object) {
			if h != pid && st.live(h) {
				return h
			}
		}
		return 0
	}
	for _, start := range waiting {
		var path []int
		for pid := start; pid != 0 && len(path) <= len(waiting); pid = next(pid) {
			if i := slices.Index(path, pid); i >= 0 {
				cycle := path[i:]
				var parts []string
				for j, p := range cycle {
					q := cycle[(j+1)%len(cycle)]
					parts = append(parts, fmt.Sprintf("process %d waits for %s, which process %d holds", p, st.use.label(st.top(p).object), q))
				}
				return finding{event.PatternLockOrder, cycle, upperFirst(strings.Join(parts, "; ")) +
					": each waits for the next, so none can go on. The locks are taken in different orders."}, true
			}
			path = append(path, pid)
		}
	}
	return finding{}, false
}

// joinBeforeDrain finds a process joining a child that cannot end: the
// child waits to put into a queue (or a pipe) that nobody reads.
func (st *stuckState) joinBeforeDrain(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "join" || !strings.HasPrefix(w.object, "proc-") {
			continue
		}
		var child int
		fmt.Sscanf(w.object, "proc-%d", &child)
		if st.waitsOn(child, "put", "") || st.waitsOn(child, "send", "") {
			obj := st.use.label(st.top(child).object)
			what := fmt.Sprintf("what it put into %s has not all been taken, and it waits until it is. Take the items out before the join.", obj)
			if st.top(child).op == "send" {
				what = fmt.Sprintf("what it sends on %s does not fit in the pipe, and it waits until the other end receives it. Receive before the join.", obj)
			}
			return finding{event.PatternJoinBeforeDrain, []int{pid, child}, fmt.Sprintf(
				"Process %d waits for process %d to end, but process %d cannot end: %s", pid, child, child, what)}, true
		}
	}
	return finding{}, false
}

// lockNotReleased finds a process waiting for a lock that its holder will
// not release: the holder has exited, waits for something else, or is the
// waiting process itself.
func (st *stuckState) lockNotReleased(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "acquire" {
			continue
		}
		lock := st.use.label(w.object)
		for _, h := range st.holdersOf(w.object) {
			switch {
			case h == pid:
				return finding{event.PatternLockNotReleased, []int{pid}, fmt.Sprintf(
					"Process %d waits for %s, which it holds itself: a Lock taken twice by the same process waits forever (an RLock would not).", pid, lock)}, true
			case !st.live(h):
				return finding{event.PatternLockNotReleased, []int{pid, h}, fmt.Sprintf(
					"Process %d waits for %s, but process %d took it and ended without releasing it.", pid, lock, h)}, true
			case !st.waitsOn(h, "acquire", "") && !st.partial:
				hw := st.top(h)
				return finding{event.PatternLockNotReleased, []int{pid, h}, fmt.Sprintf(
					"Process %d waits for %s, which process %d holds while it waits to %s %s: it never releases it.", pid, lock, h, hw.op, st.use.label(hw.object))}, true
			}
		}
	}
	return finding{}, false
}

// barrierTooFew finds a barrier that fewer processes wait at than it needs.
func (st *stuckState) barrierTooFew(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "wait" || !strings.HasPrefix(w.object, "barrier-") {
			continue
		}
		var at []int
		for _, q := range waiting {
			if st.waitsOn(q, "wait", w.object) {
				at = append(at, q)
			}
		}
		parties := 0
		fmt.Sscanf(w.info, "%d", &parties)
		need := ""
		if parties > 0 {
			need = fmt.Sprintf(", but it lets them through only when %d do", parties)
		}
		return finding{event.PatternBarrierTooFew, at, fmt.Sprintf(
			"%s at %s%s: no other process will come.", countProcesses(at, "waits", "wait"), st.use.label(w.object), need)}, true
	}
	return finding{}, false
}

// recvNoSender finds a recv on a pipe whose other end nobody will send on:
// its users have ended, or wait to receive themselves.
func (st *stuckState) recvNoSender(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "recv" {
			continue
		}
		ends, mine := st.use.ends[w.object], -1
		for e := range 2 {
			if slices.Contains(ends[e], pid) {
				mine = e
			}
		}
		var senders []int
		if mine >= 0 {
			for _, q := range ends[1-mine] {
				if st.live(q) && q != pid && (st.partial || !st.waitsOn(q, "recv", w.object)) {
					senders = append(senders, q)
				}
			}
		}
		if len(senders) == 0 {
			return finding{event.PatternRecvNoSender, []int{pid}, fmt.Sprintf(
				"Process %d waits to receive from %s, but no live process will send on its other end.", pid, st.use.label(w.object))}, true
		}
	}
	return finding{}, false
}

// resultNeverReady finds a process waiting for a pool's result that no
// worker is computing: its task failed with its worker, or the pool was
// terminated.
func (st *stuckState) resultNeverReady(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "result" {
			continue
		}
		busy := false
		for _, p := range st.procs {
			busy = busy || !p.exited && p.tasks > 0
		}
		state, _, _ := strings.Cut(w.info, " ")
		switch {
		case state == "TERMINATE":
			return finding{event.PatternResultNeverReady, []int{pid}, fmt.Sprintf(
				"Process %d waits for a result of %s, which was terminated: the result will never come.", pid, st.use.label(w.object))}, true
		case !busy && !st.partial:
			return finding{event.PatternResultNeverReady, []int{pid}, fmt.Sprintf(
				"Process %d waits for a result of %s that no worker is computing: its task was lost (a worker ended in the middle of it).", pid, st.use.label(w.object))}, true
		}
	}
	return finding{}, false
}

// eventNeverSet finds processes waiting for an Event nobody will set.
func (st *stuckState) eventNeverSet(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "wait" || !strings.HasPrefix(w.object, "event-") {
			continue
		}
		var at []int
		for _, q := range waiting {
			if st.waitsOn(q, "wait", w.object) {
				at = append(at, q)
			}
		}
		return finding{event.PatternEventNeverSet, at, fmt.Sprintf(
			"%s for %s to be set, and no process that could set it is still going.", countProcesses(at, "waits", "wait"), st.use.label(w.object))}, true
	}
	return finding{}, false
}

// tasksNotDone finds a process in a JoinableQueue's join() that waits for
// task_done() calls nobody will make: the catalogue has no pattern of its
// own for it, so it is an unknown wait with a sentence that says why.
func (st *stuckState) tasksNotDone(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "join" || !strings.HasPrefix(w.object, "queue-") {
			continue
		}
		return finding{event.PatternUnknownWait, []int{pid}, fmt.Sprintf(
			"Process %d waits in %s.join() until every item put into it is marked done, but task_done() has been called fewer times than items were put, and no process that could call it is still going.",
			pid, st.use.label(w.object))}, true
	}
	return finding{}, false
}

// missingSentinel finds consumers waiting on a queue that no process will
// put to any more.
func (st *stuckState) missingSentinel(waiting []int) (finding, bool) {
	for _, pid := range waiting {
		w := st.top(pid)
		if w.op != "get" {
			continue
		}
		var at []int
		for _, q := range waiting {
			if st.waitsOn(q, "get", w.object) {
				at = append(at, q)
			}
		}
		producers := st.use.putters[w.object]
		var who string
		switch len(producers) {
		case 0:
			who = "no process put anything into it"
		case 1:
			who = fmt.Sprintf("process %d, which put into it, is done with it", producers[0])
		default:
			who = fmt.Sprintf("the processes that put into it (%s) are done with it", pidList(producers))
		}
		return finding{event.PatternMissingSentinel, append(at, without(producers, at)...), fmt.Sprintf(
			"%s for an item from %s, but %s: nothing tells the waiting process there is no more (a sentinel such as None, one per consumer).",
			countProcesses(at, "waits", "wait"), st.use.label(w.object), who)}, true
	}
	return finding{}, false
}

func (st *stuckState) misuseFinding(m misuse) finding {
	switch m.pattern {
	case event.PatternDaemonWithChildren:
		return finding{m.pattern, []int{m.pid}, fmt.Sprintf("Process %d is daemonic and tried to start a process of its own, which a daemonic process may not.", m.pid)}
	case event.PatternMainGuardMissing:
		return finding{m.pattern, []int{m.pid}, fmt.Sprintf("Process %d ran the program's top-level code again when it started, and that code starts processes: put it under if __name__ == \"__main__\":.", m.pid)}
	}
	return finding{event.PatternPoolNotClosed, []int{m.pid}, fmt.Sprintf("Process %d joined a pool that was never closed: call close() (or terminate()) before join().", m.pid)}
}

// misuseReported takes a misuse report of the hook: once per pattern.
func (st *stuckState) misuseReported(pid int, m *ipcMessage) {
	if !misusePatterns[m.Key] || len(st.misuses) >= len(misusePatterns) {
		return
	}
	for _, u := range st.misuses {
		if u.pattern == m.Key {
			return
		}
	}
	st.misuses = append(st.misuses, misuse{m.Key, pid, parseFrames(m.Summary)})
}

// misusePatterns are the patterns the hook reports as they happen.
var misusePatterns = map[string]bool{
	event.PatternPoolNotClosed: true, event.PatternDaemonWithChildren: true, event.PatternMainGuardMissing: true,
}

// countProcesses is the subject of a sentence about processes: "Process 7
// waits", "Processes 7, 8 wait".
func countProcesses(pids []int, one, many string) string {
	if len(pids) == 1 {
		return fmt.Sprintf("Process %d %s", pids[0], one)
	}
	return fmt.Sprintf("Processes %s %s", pidList(pids), many)
}

func without(pids, drop []int) []int {
	var out []int
	for _, p := range pids {
		if !slices.Contains(drop, p) {
			out = append(out, p)
		}
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func pidList(pids []int) string {
	var parts []string
	for _, p := range pids {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ", ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
