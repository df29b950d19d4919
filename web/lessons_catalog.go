package web

import (
	"encoding/json"

	"mpplayground/lessons"
)

// LessonsCatalog shows the course of the lessons package and judges runs
// with the checks of its lessons and exercises.
func LessonsCatalog(c *lessons.Catalogue) Catalog { return lessonsCatalog{c} }

type lessonsCatalog struct{ c *lessons.Catalogue }

func (lc lessonsCatalog) Lessons(lang string) []Lesson {
	all := lc.c.Lessons()
	out := make([]Lesson, len(all))
	for i, l := range all {
		out[i] = fromLesson(l, lang)
	}
	return out
}

func (lc lessonsCatalog) Lesson(slug, lang string) (Lesson, bool) {
	l, ok := lc.c.Lesson(slug)
	if !ok {
		return Lesson{}, false
	}
	return fromLesson(l, lang), true
}

func (lc lessonsCatalog) Check(slug, exercise string, events []json.RawMessage) ([]CheckResult, bool) {
	l, ok := lc.c.Lesson(slug)
	if !ok {
		return nil, false
	}
	checks := l.Checks
	if exercise != "" {
		e, ok := l.Exercise(exercise)
		if !ok {
			return nil, false
		}
		checks = e.Checks
	}
	if len(checks) == 0 {
		return nil, false
	}
	rs := lessons.Evaluate(checks, events)
	out := make([]CheckResult, len(rs))
	for i, r := range rs {
		out[i] = CheckResult{Description: r.Description, Passed: r.Passed, Detail: r.Detail}
	}
	return out, true
}

func fromLesson(l *lessons.Lesson, lang string) Lesson {
	out := Lesson{
		Slug:    l.Slug,
		Number:  l.Number,
		Title:   l.Title.In(lang),
		Summary: l.Summary.In(lang),
		Prose:   l.Body.In(lang),
		Example: l.Example,
	}
	for _, e := range l.Exercises {
		out.Exercises = append(out.Exercises, Exercise{
			ID: e.ID, Title: e.Title.In(lang), Task: e.Task.In(lang), Starter: e.Starter,
		})
	}
	return out
}
