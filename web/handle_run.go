package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"mpplayground/event"
	"mpplayground/store"
)

// runView is what the replay page shows of a stored run.
type runView struct {
	Run         store.RunSummary
	Lesson      Lesson // the lesson in the page's language; Slug "" if it is gone
	CodeHTML    string // the program, highlighted
	Exercise    *exerciseView
	Strings     map[string]string
	APIURL      string
	AutoPlay    bool
	Interrupted bool
}

// exerciseView is a stored verdict of the checks, in the page's language.
type exerciseView struct {
	Title   string
	Passed  bool
	Results []checkResult
}

// handleRunPage replays a stored run in the views of a live one.
func (s *Server) handleRunPage(w http.ResponseWriter, r *http.Request) {
	run, ok := s.storedRun(w, r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	ctx := r.Context()
	lang := Lang(ctx)
	v := runView{Run: run.RunSummary, Strings: clientStrings(lang), APIURL: "/api/runs/" + run.ID,
		AutoPlay: r.URL.Query().Get("play") == "1", Interrupted: run.Status == store.StatusInterrupted}
	title := run.Lesson
	if l, ok := s.cfg.Catalog.Lesson(run.Lesson, lang); ok {
		v.Lesson = l
		title = l.Title
	}
	v.CodeHTML = codeView(run.Source)
	if rec, ok := decodeVerdict(run.Exercise); ok {
		ev := &exerciseView{Title: v.Lesson.Title, Passed: rec.Passed, Results: checkResults(rec.Results, lang)}
		if e, ok := v.Lesson.exercise(rec.Exercise); ok {
			ev.Title = e.Title
		}
		v.Exercise = ev
	}
	p := s.page(r, Tf(ctx, "run.title", title)+" · "+T(ctx, "site.name"), true)
	p.JS = s.asset("js/app.js")
	s.render(w, r, http.StatusOK, runPage(p, v))
}

// storedRun loads the run named in the path; false for an unknown or
// malformed id, or when no runs are kept.
func (s *Server) storedRun(w http.ResponseWriter, r *http.Request) (*store.Run, bool) {
	if s.cfg.Runs == nil {
		return nil, false
	}
	id := r.PathValue("id")
	if !event.ValidRunID(id) {
		return nil, false
	}
	run, err := s.cfg.Runs.GetRun(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		s.log.Error("load run", "run", id, "err", err)
		return nil, false
	}
	return run, true
}

// runJSON is the API form of a run, without its events (written apart, as
// stored).
type runJSON struct {
	ID         string          `json:"id"`
	Lesson     string          `json:"lesson"`
	Nickname   string          `json:"nickname"`
	Program    string          `json:"program"`
	StartedAt  time.Time       `json:"started_at"`
	EndedAt    *time.Time      `json:"ended_at"`
	Status     string          `json:"status"`
	ExitCode   int             `json:"exit_code"`
	DurationMS float64         `json:"duration_ms"`
	OutputCut  bool            `json:"output_cut"`
	Exercise   json.RawMessage `json:"exercise"`
	EventCount int             `json:"event_count"`
}

// handleRunAPI returns a stored run as JSON. Its events are written out as
// the bytes that were streamed, never decoded and encoded again. The
// learner's anonymous id is not included: it is their key.
func (s *Server) handleRunAPI(w http.ResponseWriter, r *http.Request) {
	run, ok := s.storedRun(w, r)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "There is no run with this id.")
		return
	}
	head := runJSON{ID: run.ID, Lesson: run.Lesson, Nickname: run.Nickname, Program: run.Source,
		StartedAt: run.StartedAt, Status: run.Status, ExitCode: run.ExitCode,
		DurationMS: float64(run.Duration) / float64(time.Millisecond), OutputCut: run.OutputCut,
		Exercise: json.RawMessage("null"), EventCount: run.EventCount}
	if !run.EndedAt.IsZero() {
		head.EndedAt = &run.EndedAt
	}
	if run.Exercise != "" && json.Valid([]byte(run.Exercise)) {
		head.Exercise = json.RawMessage(run.Exercise)
	}
	b, err := json.Marshal(head)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	size := len(b) + 16
	for _, e := range run.Events {
		size += len(e) + 1
	}
	var buf bytes.Buffer
	buf.Grow(size)
	buf.Write(b[:len(b)-1])
	buf.WriteString(`,"events":[`)
	for i, e := range run.Events {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(e)
	}
	buf.WriteString("]}\n")
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// A finished run never changes; a running one does.
	if run.Status == store.StatusRunning {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "private, max-age=3600")
	}
	w.Write(buf.Bytes())
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorMessage{Type: "error", Message: msg})
}
