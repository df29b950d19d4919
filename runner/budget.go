package runner

import (
	"fmt"

	"mpplayground/event"
)

// One budget per run bounds everything the run makes the server store and
// send: output, process events with their names and argv, IPC events and
// the messages they carry. Each limit of its own (output bytes, IPC events,
// processes) bounds one source; the budget bounds their sum, so that no mix
// of them (a million one-byte writes alternating between two processes, an
// exec loop with long argv) can make a run cost the server more than this.
const (
	// MaxRunEvents is the most events a run may produce.
	MaxRunEvents = 50_000
	// runBudgetSlack is how many bytes a run may produce beyond its output
	// limit: names, argv, IPC events and the fixed cost of every event.
	runBudgetSlack = 4 << 20
	// eventOverhead is what an event costs beyond its text fields: its
	// seq, t, type, pid and the JSON around them.
	eventOverhead = 64
)

// budget counts what a run has produced so far.
type budget struct {
	events, bytes       int64
	maxEvents, maxBytes int64
	spent               bool
}

func newBudget(l event.Limits) budget {
	return budget{maxEvents: MaxRunEvents, maxBytes: l.OutputBytes + runBudgetSlack}
}

// exempt events are always sent: the run's frame, the limit that ends it,
// and the exits of processes whose start was sent (at most one each).
func exempt(typ string) bool {
	switch typ {
	case event.TypeRunStart, event.TypeRunEnd, event.TypeLimit, event.TypeProcExit:
		return true
	}
	return false
}

// spend takes e from the budget; false once the budget is spent.
func (b *budget) spend(e *event.Event) bool {
	if exempt(e.Type) {
		return true
	}
	if b.spent {
		return false
	}
	b.events++
	b.bytes += eventCost(e)
	if b.events > b.maxEvents || b.bytes > b.maxBytes {
		b.spent = true
		return false
	}
	return true
}

func (b *budget) message() string {
	return fmt.Sprintf("Stopped: the program produced more than the playground can show (%s events, or %s of them).",
		groupDigits(b.maxEvents), sizeText(b.maxBytes))
}

// eventCost is about the size of e's JSON form: the text it carries plus a
// fixed overhead.
func eventCost(e *event.Event) int64 {
	n := eventOverhead + len(e.Text) + len(e.Name) + len(e.Message) + len(e.Summary) +
		len(e.Object) + len(e.Function) + len(e.Error) + len(e.Msg)
	for _, a := range e.Argv {
		n += len(a) + 3
	}
	return int64(n)
}

// groupDigits writes n as a learner reads it: 50,000.
func groupDigits(n int64) string {
	d := fmt.Sprint(n)
	for i := len(d) - 3; i > 0; i -= 3 {
		d = d[:i] + "," + d[i:]
	}
	return d
}
