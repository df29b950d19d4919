package web

import (
	"net/http"
)

// handleIndex lists the lessons in order with the learner's progress.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var progress map[string]LessonProgress
	if s.cfg.Progress != nil {
		p, err := s.cfg.Progress.Progress(ctx, Learner(ctx))
		if err != nil {
			// Progress is a nicety: show the lessons without it.
			s.log.Warn("load progress", "err", err)
		}
		progress = p
	}
	lessons := s.cfg.Catalog.Lessons(Lang(ctx))
	items := make([]indexItem, len(lessons))
	for i, l := range lessons {
		items[i] = indexItem{Lesson: l, Progress: progress[l.Slug]}
	}
	nick := nicknameView{Enabled: s.cfg.Nicknames != nil}
	if nick.Enabled {
		n, err := s.cfg.Nicknames.Nickname(ctx, Learner(ctx))
		if err != nil {
			s.log.Warn("load nickname", "err", err)
		}
		nick.Nickname = n
	}
	s.render(w, r, http.StatusOK, indexPage(s.page(r, T(ctx, "site.name"), false), items, nick))
}
