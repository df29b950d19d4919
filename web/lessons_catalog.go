package web

import "mpplayground/lessons"

// LessonsCatalog shows the course of the lessons package.
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

func fromLesson(l *lessons.Lesson, lang string) Lesson {
	return Lesson{
		Slug:    l.Slug,
		Number:  l.Number,
		Title:   l.Title.In(lang),
		Summary: l.Summary.In(lang),
		Prose:   l.Body.In(lang),
		Example: l.Example,
	}
}
