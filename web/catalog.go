package web

import (
	"sync"

	"mpplayground/event"
	"mpplayground/lessons"
)

// Lesson is what a page needs of one lesson, in one language.
type Lesson struct {
	Slug      string
	Number    int
	Title     string
	Summary   string
	Prose     string // Markdown, rendered on the server
	Example   string // the example program (Python source)
	Exercises []Exercise
}

// Exercise is a task of a lesson, in one language.
type Exercise struct {
	ID      string
	Title   string
	Task    string // Markdown
	Starter string // the program the learner starts from
}

// exercise finds one of the lesson's exercises by id.
func (l Lesson) exercise(id string) (Exercise, bool) {
	for _, e := range l.Exercises {
		if e.ID == id {
			return e, true
		}
	}
	return Exercise{}, false
}

// Catalog lists the lessons in order and finds one by its slug. lang is a
// language code such as "en" or "zh"; a catalog falls back to English when a
// lesson has no text in lang.
type Catalog interface {
	Lessons(lang string) []Lesson
	Lesson(slug, lang string) (Lesson, bool)
}

// Checker judges runs of a lesson's example (exercise "") or of one of its
// exercises (Config.UseLessons gives the lessons' checks).
type Checker interface {
	// Judge returns the judge of one run, or nil when there is nothing to
	// check.
	Judge(slug, exercise string) RunJudge
}

// RunJudge takes the events of one run as they stream and gives the verdict
// of each check once the run has ended; *lessons.Judge is one.
type RunJudge interface {
	Add(e event.Event)
	Results() []lessons.Result
}

// inLang picks a text in lang, falling back to English.
func inLang(t map[string]string, lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	return t["en"]
}

// StaticCatalog is a Catalog of fixed lessons, the same in every language.
type StaticCatalog struct {
	once   sync.Once
	List   []Lesson
	bySlug map[string]int
}

// Lessons returns the lessons in order.
func (c *StaticCatalog) Lessons(string) []Lesson { return c.List }

// Lesson finds a lesson by slug.
func (c *StaticCatalog) Lesson(slug, _ string) (Lesson, bool) {
	c.once.Do(func() {
		c.bySlug = make(map[string]int, len(c.List))
		for i, l := range c.List {
			c.bySlug[l.Slug] = i
		}
	})
	i, ok := c.bySlug[slug]
	if !ok {
		return Lesson{}, false
	}
	return c.List[i], true
}
