package web

import (
	"net/http"
)

// handleLesson shows a lesson's prose beside its program and the live views.
func (s *Server) handleLesson(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := Lang(ctx)
	slug := r.PathValue("slug")
	lesson, ok := s.cfg.Catalog.Lesson(slug, lang)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	prose, err := renderMarkdown(lesson.Prose)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := lessonView{Lesson: lesson, ProseHTML: prose, Strings: clientStrings(lang)}
	for _, e := range lesson.Exercises {
		task, err := renderMarkdown(e.Task)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Exercises = append(v.Exercises, exerciseCard{Exercise: e, TaskHTML: task})
	}
	if xc, ok := s.cfg.Catalog.(extrasCatalog); ok {
		if v.Extras, _, err = xc.lessonExtras(slug, lang); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if v.History, err = s.history(ctx, lesson); err != nil {
		// The page works without the history: show it empty.
		s.log.Warn("load history", "lesson", slug, "err", err)
	}
	all := s.cfg.Catalog.Lessons(lang)
	for i := range all {
		if all[i].Slug != slug {
			continue
		}
		if i > 0 {
			v.Prev = &all[i-1]
		}
		if i+1 < len(all) {
			v.Next = &all[i+1]
		}
	}
	p := s.page(r, lesson.Title+" · "+T(ctx, "site.name"), true)
	p.JS = s.asset("js/app.js")
	s.render(w, r, http.StatusOK, lessonPage(p, v))
}
