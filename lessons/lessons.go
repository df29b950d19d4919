// Package lessons holds the course: it loads the lesson content (embedded,
// plus an optional teacher's folder), and judges a run's events against a
// lesson's checks.
//
// It knows nothing of the runner, the store or HTTP: a run reaches it only as
// the events of its stream (package event), one by one as they come
// (Judge).
package lessons

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// content is the built-in course: one folder per lesson, named NN-slug.
//
//go:embed [0-9]*-*
var content embed.FS

// Languages are the languages every built-in lesson is written in; the first
// is the fallback for text missing in another language.
var Languages = []string{"en", "zh"}

// DefaultLanguage is used when a text has no version in the asked language.
const DefaultLanguage = "en"

// File names inside a lesson folder (see docs/lessons.md).
const (
	metaFile        = "lesson.json"
	exampleFile     = "example.py"
	predictionsFile = "predictions.json" // optional: questions asked before a run of the example
)

// dirPattern is the name of a lesson folder: its position, a dash, its slug.
var dirPattern = regexp.MustCompile(`^([0-9]+)-([a-z0-9]+(?:-[a-z0-9]+)*)$`)

// idPattern is an exercise's id; it prefixes the exercise's files.
var idPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// wrongPattern is the file of a wrong answer to an exercise:
// <id>.wrong-<what>.py.
var wrongPattern = regexp.MustCompile(`^([a-z0-9]+(?:-[a-z0-9]+)*)\.(wrong-[a-z0-9]+(?:-[a-z0-9]+)*)\.py$`)

// Text is a piece of text in several languages, keyed by language code.
type Text map[string]string

// In returns the text in lang, or in DefaultLanguage when it has none.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t[DefaultLanguage]
}

// Lesson is one lesson: prose, an example program and exercises.
type Lesson struct {
	Slug      string // from the folder name, e.g. "why-processes"
	Number    int    // the position from the folder name, e.g. 1
	Dir       string // the folder name, e.g. "01-why-processes"
	Source    string // "embedded" or the teacher's directory it came from
	Title     Text
	Summary   Text
	Body      Text    // Markdown, from lesson.<lang>.md
	Example   string  // Python source of example.py
	Checks    []Check // what a run of the example must show
	Exercises []*Exercise
	// Predictions are questions asked before a run of the example, each
	// answered from the run's events (see predict.go).
	Predictions []Prediction
}

// Exercise is a task on top of a lesson, judged by its checks.
type Exercise struct {
	ID       string
	Title    Text
	Task     Text   // Markdown, from <id>.<lang>.md
	Starter  string // Python source the learner starts from
	Solution string // a reference solution; its run must pass Checks
	Checks   []Check
	// Wrong are wrong answers, from the files <id>.wrong-<what>.py: each
	// must fail a check (a teacher's proof that the checks cannot be
	// fooled that way).
	Wrong []Program
	// Hints are Markdown texts that the page unlocks one by one: the
	// first after one failed attempt, the second after two ...
	Hints []Text
	// SolutionAfter is the number of failed attempts after which the page
	// offers the reference solution (0: after one more than the hints).
	SolutionAfter int
}

// ShowSolutionAfter is the number of failed attempts after which the page
// offers the reference solution.
func (e *Exercise) ShowSolutionAfter() int {
	if e.SolutionAfter > 0 {
		return e.SolutionAfter
	}
	return len(e.Hints) + 1
}

// Program is one Python program of a lesson folder.
type Program struct {
	Name string // "wrong-prints-the-answer": the file name without the id and ".py"
	Code string
}

// Exercise returns the lesson's exercise with the given id.
func (l *Lesson) Exercise(id string) (*Exercise, bool) {
	for _, e := range l.Exercises {
		if e.ID == id {
			return e, true
		}
	}
	return nil, false
}

// Catalogue is the ordered course.
type Catalogue struct {
	lessons []*Lesson
	bySlug  map[string]*Lesson
}

// Lessons returns the lessons in course order.
func (c *Catalogue) Lessons() []*Lesson { return append([]*Lesson(nil), c.lessons...) }

// Lesson returns the lesson with the given slug.
func (c *Catalogue) Lesson(slug string) (*Lesson, bool) {
	l, ok := c.bySlug[slug]
	return l, ok
}

// Neighbours returns the lessons before and after slug (nil at either end).
func (c *Catalogue) Neighbours(slug string) (prev, next *Lesson) {
	for i, l := range c.lessons {
		if l.Slug == slug {
			if i > 0 {
				prev = c.lessons[i-1]
			}
			if i+1 < len(c.lessons) {
				next = c.lessons[i+1]
			}
		}
	}
	return prev, next
}

// Load returns the built-in course, with the lessons of overrideDir (if not
// empty) added to it: a lesson there whose slug is already in the course
// replaces it, any other is added at the position its folder number gives.
// Every problem found is reported, each naming its file.
func Load(overrideDir string) (*Catalogue, error) {
	builtin, err := loadFS(content, ".", "embedded")
	if err != nil {
		return nil, fmt.Errorf("built-in lessons: %w", err)
	}
	all := builtin
	if overrideDir != "" {
		st, err := os.Stat(overrideDir)
		if err != nil {
			return nil, fmt.Errorf("lessons folder: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("lessons folder %s is not a directory", overrideDir)
		}
		extra, err := loadFS(os.DirFS(overrideDir), ".", overrideDir)
		if err != nil {
			return nil, fmt.Errorf("lessons in %s: %w", overrideDir, err)
		}
		all = merge(builtin, extra)
	}
	c := &Catalogue{lessons: all, bySlug: make(map[string]*Lesson, len(all))}
	for _, l := range all {
		c.bySlug[l.Slug] = l
	}
	return c, nil
}

// merge replaces lessons of base by those of extra with the same slug, adds
// the others, and sorts by number (a teacher's lesson after a built-in one
// with the same number).
func merge(base, extra []*Lesson) []*Lesson {
	replaced := map[string]bool{}
	for _, l := range extra {
		replaced[l.Slug] = true
	}
	var out []*Lesson
	for _, l := range base {
		if !replaced[l.Slug] {
			out = append(out, l)
		}
	}
	out = append(out, extra...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// loadFS reads every lesson folder directly under root of fsys. Entries that
// are not lesson folders are ignored, except folders that almost look like
// one, which are reported.
func loadFS(fsys fs.FS, root, source string) ([]*Lesson, error) {
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, err
	}
	var (
		out   []*Lesson
		errs  []error
		slugs = map[string]string{}
	)
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		if !dirPattern.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: a lesson folder is named NN-slug (digits, a dash, lower-case words joined by dashes)", name))
			continue
		}
		l, err := loadLesson(fsys, path.Join(root, name), name, source)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := slugs[l.Slug]; dup {
			errs = append(errs, fmt.Errorf("%s: slug %q is also used by %s", name, l.Slug, other))
			continue
		}
		slugs[l.Slug] = name
		out = append(out, l)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// meta is the form of lesson.json.
type meta struct {
	Title     Text           `json:"title"`
	Summary   Text           `json:"summary"`
	Checks    []Check        `json:"checks"`
	Exercises []exerciseMeta `json:"exercises"`
}

type exerciseMeta struct {
	ID            string  `json:"id"`
	Title         Text    `json:"title"`
	Checks        []Check `json:"checks"`
	SolutionAfter int     `json:"solution_after"`
}

// loadLesson reads and validates one lesson folder.
func loadLesson(fsys fs.FS, dir, name, source string) (*Lesson, error) {
	m := dirPattern.FindStringSubmatch(name)
	num, err := strconv.Atoi(m[1])
	if err != nil {
		return nil, fmt.Errorf("%s: folder number: %w", name, err)
	}
	l := &Lesson{Slug: m[2], Number: num, Dir: name, Source: source, Body: Text{}}

	var errs []error
	bad := func(file, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path.Join(name, file), fmt.Sprintf(format, args...)))
	}

	raw, err := fs.ReadFile(fsys, path.Join(dir, metaFile))
	if err != nil {
		bad(metaFile, "missing: every lesson folder needs one")
		return nil, errors.Join(errs...)
	}
	var md meta
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&md); err != nil {
		bad(metaFile, "%v", err)
		return nil, errors.Join(errs...)
	}
	l.Title, l.Summary, l.Checks = md.Title, md.Summary, md.Checks
	if l.Title[DefaultLanguage] == "" {
		bad(metaFile, "title needs at least an %q text", DefaultLanguage)
	}
	for lang := range l.Title {
		if !knownLanguage(lang) {
			bad(metaFile, "title: unknown language %q (known: %s)", lang, strings.Join(Languages, ", "))
		}
	}
	if len(l.Checks) == 0 {
		bad(metaFile, "checks: the example needs at least one check")
	}
	if raw, err := fs.ReadFile(fsys, path.Join(dir, predictionsFile)); err == nil {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l.Predictions); err != nil {
			bad(predictionsFile, "%v", err)
		}
		for i, p := range l.Predictions {
			if err := p.Validate(); err != nil {
				bad(predictionsFile, "[%d]: %v", i, err)
			}
		}
	}
	for i, c := range l.Checks {
		if err := c.Validate(); err != nil {
			bad(metaFile, "checks[%d]: %v", i, err)
		}
	}

	for _, lang := range Languages {
		if b, err := fs.ReadFile(fsys, path.Join(dir, "lesson."+lang+".md")); err == nil {
			l.Body[lang] = string(b)
		}
	}
	if l.Body[DefaultLanguage] == "" {
		bad("lesson."+DefaultLanguage+".md", "missing or empty: the lesson's text in English")
	}

	if b, err := fs.ReadFile(fsys, path.Join(dir, exampleFile)); err != nil || len(strings.TrimSpace(string(b))) == 0 {
		bad(exampleFile, "missing or empty: every lesson has an example program")
	} else {
		l.Example = string(b)
	}

	if len(md.Exercises) == 0 {
		bad(metaFile, "exercises: a lesson needs at least one exercise")
	}
	ids := map[string]bool{}
	for i, em := range md.Exercises {
		where := fmt.Sprintf("exercises[%d]", i)
		if !idPattern.MatchString(em.ID) {
			bad(metaFile, "%s: id %q must be lower-case words joined by dashes", where, em.ID)
			continue
		}
		if ids[em.ID] {
			bad(metaFile, "%s: id %q is used twice", where, em.ID)
			continue
		}
		ids[em.ID] = true
		ex := &Exercise{ID: em.ID, Title: em.Title, Checks: em.Checks, Task: Text{}, SolutionAfter: em.SolutionAfter}
		ex.Hints = loadHints(fsys, dir, em.ID, func(file, msg string) { bad(file, "%s", msg) })
		if ex.SolutionAfter < 0 {
			bad(metaFile, "%s: solution_after must be 1 or more (or left out)", where)
		}
		if ex.Title[DefaultLanguage] == "" {
			bad(metaFile, "%s: title needs at least an %q text", where, DefaultLanguage)
		}
		if len(ex.Checks) == 0 {
			bad(metaFile, "%s: an exercise needs at least one check", where)
		}
		for j, c := range ex.Checks {
			if err := c.Validate(); err != nil {
				bad(metaFile, "%s.checks[%d]: %v", where, j, err)
			}
		}
		for _, lang := range Languages {
			if b, err := fs.ReadFile(fsys, path.Join(dir, em.ID+"."+lang+".md")); err == nil {
				ex.Task[lang] = string(b)
			}
		}
		if ex.Task[DefaultLanguage] == "" {
			bad(em.ID+"."+DefaultLanguage+".md", "missing or empty: the task in English")
		}
		for _, f := range []struct {
			suffix string
			dst    *string
		}{{".starter.py", &ex.Starter}, {".solution.py", &ex.Solution}} {
			b, err := fs.ReadFile(fsys, path.Join(dir, em.ID+f.suffix))
			if err != nil || len(strings.TrimSpace(string(b))) == 0 {
				bad(em.ID+f.suffix, "missing or empty")
				continue
			}
			*f.dst = string(b)
		}
		l.Exercises = append(l.Exercises, ex)
	}
	entries, _ := fs.ReadDir(fsys, dir)
	for _, e := range entries {
		n := e.Name()
		if !strings.Contains(n, ".wrong") {
			continue
		}
		m := wrongPattern.FindStringSubmatch(n)
		if m == nil {
			bad(n, "a wrong answer is named <exercise>.wrong-<what>.py (lower-case words joined by dashes)")
			continue
		}
		ex, ok := l.Exercise(m[1])
		if !ok {
			bad(n, "no exercise %q in %s", m[1], metaFile)
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, n))
		if err != nil || len(strings.TrimSpace(string(b))) == 0 {
			bad(n, "missing or empty")
			continue
		}
		ex.Wrong = append(ex.Wrong, Program{Name: m[2], Code: string(b)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return l, nil
}

// loadHints reads an exercise's hints, <id>.hints.<lang>.md: Markdown, one
// hint after another, separated by lines of three dashes. Every language
// must have as many hints as English.
func loadHints(fsys fs.FS, dir, id string, bad func(file, msg string)) []Text {
	var hints []Text
	for _, lang := range Languages {
		file := id + ".hints." + lang + ".md"
		b, err := fs.ReadFile(fsys, path.Join(dir, file))
		if err != nil {
			continue
		}
		parts := splitHints(string(b))
		if lang == DefaultLanguage {
			if len(parts) == 0 {
				bad(file, "empty: give at least one hint")
			}
			for _, h := range parts {
				hints = append(hints, Text{lang: h})
			}
			continue
		}
		if len(parts) != len(hints) {
			bad(file, fmt.Sprintf("%d hints, but %s has %d", len(parts), id+".hints."+DefaultLanguage+".md", len(hints)))
			continue
		}
		for i, h := range parts {
			hints[i][lang] = h
		}
	}
	return hints
}

// splitHints cuts a hints file at its "---" lines, dropping empty parts.
func splitHints(s string) []string {
	var out []string
	for _, part := range hintSeparator.Split(strings.ReplaceAll(s, "\r\n", "\n"), -1) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var hintSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

func knownLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}
