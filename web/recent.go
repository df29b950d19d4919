package web

import (
	"bytes"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"mpplayground/event"
)

// A page that lost its connection during a run reconnects and asks for the
// rest of the run (`{"type":"resume"}`), so the learner sees how it ended.
// The last runs are kept in memory for that, within these bounds.
const (
	recentRunsKept  = 256
	recentRunBytes  = 2 << 20  // events past this are not kept (run.end always is)
	recentBytes     = 32 << 20 // all kept runs together: older runs are forgotten first
	recentRunMaxAge = 10 * time.Minute
	// resumeWait is how long a resume waits for a stopping run to end.
	resumeWait = 5 * time.Second
)

type recentRuns struct {
	mu    sync.Mutex
	runs  map[string]*runLog
	order []string
	total atomic.Int64 // bytes kept by all runs
}

type runLog struct {
	kept    *atomic.Int64 // the total of the recentRuns it belongs to
	learner string
	created time.Time
	mu      sync.Mutex
	events  [][]byte
	seqs    []int64
	size    int
	done    chan struct{}
}

func newRecentRuns() *recentRuns {
	return &recentRuns{runs: map[string]*runLog{}}
}

func (rr *recentRuns) begin(id, learner string) *runLog {
	l := &runLog{kept: &rr.total, learner: learner, created: time.Now(), done: make(chan struct{})}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for len(rr.order) >= recentRunsKept || len(rr.order) > 0 && rr.total.Load() > recentBytes ||
		len(rr.order) > 0 && time.Since(rr.runs[rr.order[0]].created) > recentRunMaxAge {
		old := rr.runs[rr.order[0]]
		old.mu.Lock()
		rr.total.Add(-int64(old.size))
		old.size, old.events, old.seqs = 0, nil, nil
		old.mu.Unlock()
		delete(rr.runs, rr.order[0])
		rr.order = rr.order[1:]
	}
	rr.runs[id] = l
	rr.order = append(rr.order, id)
	return l
}

func (rr *recentRuns) get(id string) *runLog {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.runs[id]
}

func (l *runLog) add(typ string, b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size+len(b) > recentRunBytes && typ != event.TypeRunEnd {
		return
	}
	var head struct {
		Seq int64 `json:"seq"`
	}
	json.Unmarshal(b, &head)
	l.events = append(l.events, b)
	l.seqs = append(l.seqs, head.Seq)
	l.size += len(b)
	l.kept.Add(int64(len(b)))
}

func (l *runLog) finish() {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
}

// after returns the kept events with seq > after as batches (JSON arrays)
// of at most maxBatchMessages events.
func (l *runLog) after(seq int64) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	var buf bytes.Buffer
	n := 0
	flush := func() {
		if n > 0 {
			buf.WriteByte(']')
			out = append(out, bytes.Clone(buf.Bytes()))
			buf.Reset()
			n = 0
		}
	}
	for i, b := range l.events {
		if l.seqs[i] <= seq {
			continue
		}
		if n == 0 {
			buf.WriteByte('[')
		} else {
			buf.WriteByte(',')
		}
		buf.Write(b)
		n++
		if n == maxBatchMessages {
			flush()
		}
	}
	flush()
	return out
}

// resume sends the rest of a run this learner started on an earlier
// connection, once that run has ended.
func (ss *session) resume(m clientMessage) {
	l := ss.srv.recent.get(m.RunID)
	if l == nil && ss.srv.cfg.Fleet != nil {
		// Started on another web node, or before this one restarted.
		ss.resumeFromFleet(m)
		return
	}
	if l == nil || l.learner != ss.learner {
		ss.sendError("That run is no longer available.")
		return
	}
	go func() {
		select {
		case <-l.done:
		case <-time.After(resumeWait):
		case <-ss.closed:
			return
		}
		for _, b := range l.after(m.After) {
			if !ss.enqueue(b) {
				return
			}
		}
	}()
}
