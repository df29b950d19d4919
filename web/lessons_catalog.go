package web

import (
	"mpplayground/lessons"
)

// UseLessons makes the server show the course of the lessons package and
// judge runs with the checks of its lessons and exercises.
func (c *Config) UseLessons(course *lessons.Catalogue) {
	lc := lessonsCatalog{course}
	c.Catalog, c.Checker = lc, lc
}

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

func (lc lessonsCatalog) Judge(slug, exercise string) RunJudge {
	l, ok := lc.c.Lesson(slug)
	if !ok {
		return nil
	}
	checks := l.Checks
	if exercise != "" {
		e, ok := l.Exercise(exercise)
		if !ok {
			return nil
		}
		checks = e.Checks
	}
	if len(checks) == 0 {
		return nil
	}
	return lessons.NewJudge(checks)
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
