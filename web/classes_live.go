package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"mpplayground/store"
)

// The class grid is live: the page holds a Server-Sent Events stream
// (/teacher/classes/ID/events) on which the server pushes the whole grid
// whenever a learner of the class finishes a run, joins, or is renamed or
// removed. A burst of changes is sent once, classGridSettle after the
// first; a stream carries at most one grid per classGridSettle.
const (
	classGridSettle = 300 * time.Millisecond
	// classStreamPing keeps proxies from closing a quiet stream.
	classStreamPing = 20 * time.Second
	// classGridRefresh sends the grid again without a change, so that a
	// learner who has gone quiet after failing is marked stuck
	// (store.StuckIdle) though nothing happened.
	classGridRefresh = time.Minute
	// classStreamAge ends a stream; the browser opens a new one at once
	// (EventSource), with the session checked again.
	classStreamAge = 30 * time.Minute
	// maxClassStreams bounds the open streams of the whole server.
	maxClassStreams = 64
	// maxPendingLearners bounds the learners whose classes are still to
	// be told of a finished run; past it, the oldest wait for the next.
	maxPendingLearners = 4096
)

// classHub tells the open grids of a class that it changed.
type classHub struct {
	classes ClassStore // nil: classes are off
	log     *slog.Logger

	mu      sync.Mutex
	subs    map[int64]map[chan struct{}]struct{}
	streams int
	pending map[string]bool // learners who finished a run, to look up
	working bool            // a goroutine is looking them up
	done    chan struct{}   // closed at shutdown: every stream ends
	closed  bool
}

func newClassHub(classes ClassStore, log *slog.Logger) *classHub {
	return &classHub{classes: classes, log: log, subs: map[int64]map[chan struct{}]struct{}{},
		pending: map[string]bool{}, done: make(chan struct{})}
}

// subscribe returns a channel that is signalled when class changes, or
// false when too many streams are open or the hub is closed.
func (h *classHub) subscribe(class int64) (chan struct{}, func(), bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.streams >= maxClassStreams {
		return nil, nil, false
	}
	ch := make(chan struct{}, 1)
	if h.subs[class] == nil {
		h.subs[class] = map[chan struct{}]struct{}{}
	}
	h.subs[class][ch] = struct{}{}
	h.streams++
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[class], ch)
		if len(h.subs[class]) == 0 {
			delete(h.subs, class)
		}
		h.streams--
	}, true
}

// notify signals every stream of class; it never blocks.
func (h *classHub) notify(class int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[class] {
		select {
		case ch <- struct{}{}:
		default: // already signalled
		}
	}
}

// runFinished tells the classes of learner that one of their runs ended.
// The classes are looked up off the run's path, by one goroutine at a
// time, and only while some grid is open.
func (h *classHub) runFinished(learner string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.classes == nil || len(h.subs) == 0 || h.closed || len(h.pending) >= maxPendingLearners {
		return
	}
	h.pending[learner] = true
	if !h.working {
		h.working = true
		go h.work()
	}
}

// work looks up the pending learners' classes until none is left.
func (h *classHub) work() {
	for {
		h.mu.Lock()
		if len(h.pending) == 0 || h.closed {
			h.working = false
			h.mu.Unlock()
			return
		}
		learners := make([]string, 0, len(h.pending))
		for l := range h.pending {
			learners = append(learners, l)
		}
		clear(h.pending)
		h.mu.Unlock()
		for _, l := range learners {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			ms, err := h.classes.LearnerClasses(ctx, l)
			cancel()
			if err != nil {
				h.log.Error("classes of a learner", "err", err)
				continue
			}
			for _, m := range ms {
				h.notify(m.Class.ID)
			}
		}
	}
}

// close ends every stream.
func (h *classHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// CloseStreams ends the grids' event streams, which would otherwise keep
// an http.Server's Shutdown waiting: register it with RegisterOnShutdown.
func (s *Server) CloseStreams() { s.classHub.close() }

// classRecorder tells the hub when a run has been recorded.
type classRecorder struct {
	RunRecorder
	hub *classHub
}

func (c classRecorder) Begin(ctx context.Context, m RunMeta) (RunLog, error) {
	l, err := c.RunRecorder.Begin(ctx, m)
	if err != nil {
		return nil, err
	}
	return classRunLog{RunLog: l, hub: c.hub, learner: m.Learner}, nil
}

type classRunLog struct {
	RunLog
	hub     *classHub
	learner string
}

func (l classRunLog) Finish(ctx context.Context, o RunOutcome) error {
	err := l.RunLog.Finish(ctx, o)
	l.hub.runFinished(l.learner)
	return err
}

// gridJSON is a class's grid as the page draws it.
type gridJSON struct {
	Class   gridClass    `json:"class"`
	Columns []gridColumn `json:"columns"`
	Members []gridMember `json:"members"`
	Cells   []gridCell   `json:"cells"`
	At      time.Time    `json:"at"`
}

type gridClass struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

type gridColumn struct {
	Lesson      string `json:"lesson"`
	Exercise    string `json:"exercise"`
	LessonTitle string `json:"lessonTitle"`
	Title       string `json:"title"`
	Number      int    `json:"number"`
}

type gridMember struct {
	ID     int64     `json:"id"`
	Name   string    `json:"name"`
	Joined time.Time `json:"joined"`
}

type gridCell struct {
	Member     int64      `json:"m"`
	Column     int        `json:"c"`
	Attempts   int        `json:"attempts"`
	Passed     bool       `json:"passed"`
	FirstPass  *time.Time `json:"firstPass,omitempty"`
	LastAt     time.Time  `json:"lastAt"`
	LastStatus string     `json:"lastStatus"`
	Stuck      string     `json:"stuck,omitempty"`
	LastRun    string     `json:"lastRun"`
}

// grid lays a class's progress out: a column per exercise of the course,
// in its order, then one per exercise attempted that the course no longer
// has.
func (s *Server) grid(ctx context.Context, p *store.ClassProgress) gridJSON {
	g := gridJSON{Class: gridClass{ID: p.Class.ID, Name: p.Class.Name, Code: p.Class.Code}, At: p.At,
		Columns: []gridColumn{}, Members: []gridMember{}, Cells: []gridCell{}}
	col := map[[2]string]int{}
	for _, l := range s.cfg.Catalog.Lessons(Lang(ctx)) {
		for _, e := range l.Exercises {
			col[[2]string{l.Slug, e.ID}] = len(g.Columns)
			g.Columns = append(g.Columns, gridColumn{Lesson: l.Slug, Exercise: e.ID, LessonTitle: l.Title, Title: e.Title, Number: l.Number})
		}
	}
	for _, m := range p.Members {
		g.Members = append(g.Members, gridMember{ID: m.ID, Name: m.Name, Joined: m.JoinedAt})
	}
	for _, c := range p.Cells {
		k := [2]string{c.Lesson, c.Exercise}
		i, ok := col[k]
		if !ok {
			i = len(g.Columns)
			col[k] = i
			g.Columns = append(g.Columns, gridColumn{Lesson: c.Lesson, Exercise: c.Exercise, LessonTitle: c.Lesson, Title: c.Exercise})
		}
		gc := gridCell{Member: c.Member, Column: i, Attempts: c.Attempts, Passed: c.Passed, LastAt: c.LastAt,
			LastStatus: c.LastStatus, Stuck: c.Stuck, LastRun: c.LastRun}
		if c.Passed {
			fp := c.FirstPass
			gc.FirstPass = &fp
		}
		g.Cells = append(g.Cells, gc)
	}
	return g
}

// classGrid reads a class's grid; ok is false when the answer has been
// written.
func (s *Server) classGrid(w http.ResponseWriter, r *http.Request) (gridJSON, bool) {
	c, ok := s.classOf(w, r)
	if !ok {
		return gridJSON{}, false
	}
	p, err := s.cfg.Classes.ClassProgress(r.Context(), c.ID)
	if errors.Is(err, store.ErrClassNotFound) {
		http.Error(w, "There is no such class.", http.StatusNotFound)
		return gridJSON{}, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return gridJSON{}, false
	}
	return s.grid(r.Context(), p), true
}

func (s *Server) handleProgressJSON(w http.ResponseWriter, r *http.Request) {
	g, ok := s.classGrid(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(g) //nolint:errchkjson // the client may have gone
}

// handleClassEvents streams the class's grid: once at once, then after
// every change.
func (s *Server) handleClassEvents(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	changed, unsubscribe, ok := s.classHub.subscribe(c.ID)
	if !ok {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "Too many grids are open; try again shortly.", http.StatusServiceUnavailable)
		return
	}
	defer unsubscribe()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must not hold the events back
	ctx := r.Context()
	send := func() bool {
		if !s.isTeacher(r) {
			return false // the session ended: signed out, revoked or expired
		}
		p, err := s.cfg.Classes.ClassProgress(ctx, c.ID)
		if errors.Is(err, store.ErrClassNotFound) {
			w.Write([]byte("event: gone\ndata: {}\n\n"))
			rc.Flush()
			return false
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("class grid", "class", c.ID, "err", err)
			}
			return ctx.Err() == nil
		}
		b, _ := json.Marshal(s.grid(ctx, p))
		var buf bytes.Buffer
		buf.WriteString("event: grid\ndata: ")
		buf.Write(b) // JSON has no raw newline
		buf.WriteString("\n\n")
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send() {
		return
	}
	ping := time.NewTicker(classStreamPing)
	defer ping.Stop()
	refresh := time.NewTicker(classGridRefresh)
	defer refresh.Stop()
	end := time.NewTimer(classStreamAge)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.classHub.done:
			return
		case <-end.C:
			return
		case <-refresh.C:
			if !send() {
				return
			}
		case <-ping.C:
			if _, err := w.Write([]byte(": ping\n\n")); err != nil || rc.Flush() != nil {
				return
			}
		case <-changed:
			// Let a burst of changes settle into one grid.
			select {
			case <-time.After(classGridSettle):
			case <-ctx.Done():
				return
			}
			select {
			case <-changed:
			default:
			}
			if !send() {
				return
			}
		}
	}
}
