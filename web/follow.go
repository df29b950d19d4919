package web

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"time"

	"mpplayground/event"
)

// A running run's replay page (the teacher opens it from the class's list)
// follows the run live: it reads the run's events, as the server keeps them
// for a page that reconnects (recent.go), as a stream of server-sent events
// until run.end, then shows the stored run. Anyone who may open the run's
// page (its id) may follow it, as they may fetch its stored events.
const (
	// followPoll is how often a follower is sent what came since.
	followPoll = 100 * time.Millisecond
	// followMax bounds one follow: a run is kept no longer.
	followMax = recentRunMaxAge
	// followQuiet is the longest a follower waits without a byte: then a
	// comment line keeps proxies from taking the stream for dead.
	followQuiet = 15 * time.Second
)

// handleRunLive streams a running run's events as server-sent events: each
// message a JSON array of events, its id the last event's seq (a browser
// that reconnects sends it back as Last-Event-ID); an "end" message when
// the run has ended and is stored. 404 for a run that is not kept here.
func (s *Server) handleRunLive(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var l *runLog
	if s.cfg.Runs != nil && event.ValidRunID(id) {
		l = s.recent.get(id)
	}
	if l == nil {
		writeJSONError(w, http.StatusNotFound, "This run is not running here.")
		return
	}
	after, _ := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	if a, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64); err == nil && a > after {
		after = a
	}
	// The stream lasts as long as the run: no write deadline.
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(followPoll)
	defer tick.Stop()
	limit := time.After(followMax)
	var buf bytes.Buffer
	wrote := time.Now()
	for {
		ended := l.ended()
		buf.Reset()
		for _, b := range l.batchesAfter(after) {
			after = b.last
			buf.WriteString("id: ")
			buf.WriteString(strconv.FormatInt(b.last, 10))
			buf.WriteString("\ndata: ")
			buf.Write(b.json)
			buf.WriteString("\n\n")
		}
		if ended {
			buf.WriteString("event: end\ndata: {}\n\n")
		}
		if buf.Len() == 0 && time.Since(wrote) > followQuiet {
			buf.WriteString(": the run goes on\n\n")
		}
		if buf.Len() > 0 {
			wrote = time.Now()
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		if ended {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-limit:
			return
		case <-l.done:
		case <-tick.C:
		}
	}
}

// ended tells whether the run has ended and been stored.
func (l *runLog) ended() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// followBatch is a JSON array of kept events and the seq of its last.
type followBatch struct {
	json []byte
	last int64
}

// batchesAfter is after (recent.go) with the last seq of each batch.
func (l *runLog) batchesAfter(seq int64) []followBatch {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []followBatch
	var buf bytes.Buffer
	n := 0
	flush := func(last int64) {
		if n > 0 {
			buf.WriteByte(']')
			out = append(out, followBatch{json: bytes.Clone(buf.Bytes()), last: last})
			buf.Reset()
			n = 0
		}
	}
	last := seq
	// The seqs are kept in order: the first one past seq is found, not
	// scanned for.
	from := sort.Search(len(l.seqs), func(i int) bool { return l.seqs[i] > seq })
	for i := from; i < len(l.events); i++ {
		b := l.events[i]
		if n == 0 {
			buf.WriteByte('[')
		} else {
			buf.WriteByte(',')
		}
		buf.Write(b)
		last = l.seqs[i]
		n++
		if n == maxBatchMessages {
			flush(last)
		}
	}
	flush(last)
	return out
}
