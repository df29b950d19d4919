package web

import (
	"context"
	"net/http"
	"time"

	"mpplayground/store"
)

// historyLimit is how many of a learner's runs a lesson page lists.
const historyLimit = 10

// historyItem is one of the learner's runs in a lesson's history.
type historyItem struct {
	ID        string
	StartedAt time.Time
	Status    string
	Duration  time.Duration
	Exercise  string // the exercise's title, "" for the example
	Checked   bool   // checks were evaluated
	Passed    bool   // ... and all passed
}

// historyView is the history card of a lesson page.
type historyView struct {
	Enabled bool // runs are kept
	Lesson  string
	Items   []historyItem
	Sources map[string]string // run id -> program, to restore into the editor
}

// history lists the learner's latest runs of a lesson, newest first. Only
// their own: the filter is the learner id from their cookie.
func (s *Server) history(ctx context.Context, l Lesson) (historyView, error) {
	v := historyView{Enabled: s.cfg.Runs != nil, Lesson: l.Slug, Sources: map[string]string{}}
	if s.cfg.Runs == nil {
		return v, nil
	}
	runs, err := s.cfg.Runs.ListRuns(ctx, store.Filter{Learner: Learner(ctx), Lesson: l.Slug, Limit: historyLimit})
	if err != nil {
		return v, err
	}
	for _, r := range runs {
		it := historyItem{ID: r.ID, StartedAt: r.StartedAt, Status: r.Status, Duration: r.Duration}
		if rec, ok := decodeVerdict(r.Exercise); ok {
			it.Checked, it.Passed = true, rec.Passed
			if e, ok := l.exercise(rec.Exercise); ok {
				it.Exercise = e.Title
			}
		}
		v.Items = append(v.Items, it)
		v.Sources[r.ID] = r.Source
	}
	return v, nil
}

// handleHistory returns the history card alone, for the page to refresh it
// after a run.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, ok := s.cfg.Catalog.Lesson(r.PathValue("slug"), Lang(ctx))
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	h, err := s.history(ctx, l)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, historyCard(h))
}
