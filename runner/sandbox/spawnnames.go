package sandbox

import (
	"slices"

	"mpplayground/event"
)

// A spawn child is named at its exec with the next name its parent
// announced. Its parent vforks the children one after another, in the
// order it announced them, but the exec events of two of them may reach
// the tracer in the other order: the parent goes on as soon as a child's
// exec has released its memory, before the child's exec stop is reported.
// A spawn child whose exec comes while an earlier vfork child of the same
// parent has not exec'd yet (which may be the next spawn child, or not:
// the resource tracker, a subprocess) waits, unnamed and unstarted, until
// every earlier one has; then the names are given in vfork order.

// earlierUndecided reports whether an earlier vfork child of p's parent
// has neither exec'd nor ended.
func (t *tracer) earlierUndecided(p *proc) bool {
	for _, q := range t.procs {
		if q.ppid == p.ppid && q.pending && !q.deferred && q.vforkSeq < p.vforkSeq {
			return true
		}
	}
	return false
}

// settleSpawns names and starts, in vfork order, the deferred spawn
// children of parent that no earlier vfork child holds up any more.
func (t *tracer) settleSpawns(parent int) {
	var waiting []*proc
	for _, q := range t.procs {
		if q.ppid == parent && q.deferred {
			waiting = append(waiting, q)
		}
	}
	slices.SortFunc(waiting, func(a, b *proc) int { return a.vforkSeq - b.vforkSeq })
	for _, q := range waiting {
		if t.earlierUndecided(q) {
			return
		}
		t.startDeferred(q)
	}
}

// startDeferred names a deferred spawn child, starts it and reports its
// exec.
func (t *tracer) startDeferred(p *proc) {
	p.deferred = false
	t.nameExec(p, p.execArgv)
	p.pending = false
	t.emitStart(p)
	t.emit(&event.Event{Type: event.TypeProcExec, PID: p.pid, Argv: p.execArgv})
	p.execArgv = nil
}
