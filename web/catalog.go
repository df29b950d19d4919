package web

import "sync"

// Lesson is what a page needs of one lesson, in one language.
type Lesson struct {
	Slug    string
	Number  int
	Title   string
	Summary string
	Prose   string // Markdown, rendered on the server
	Example string // the example program (Python source)
}

// Catalog lists the lessons in order and finds one by its slug. lang is a
// language code such as "en" or "zh"; a catalog falls back to English when a
// lesson has no text in lang.
type Catalog interface {
	Lessons(lang string) []Lesson
	Lesson(slug, lang string) (Lesson, bool)
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
