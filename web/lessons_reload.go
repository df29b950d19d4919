package web

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mpplayground/lessons"
)

// A teacher may change the lessons of --lessons DIR while the server runs:
// on SIGHUP, or with the teacher view's button, the folder is loaded and
// checked again (lessons.Load, which reports every problem, each naming its
// file). A course that loads replaces the old one for every page and run
// that starts after it; a folder with problems changes nothing, and the
// problems are shown on the classes page until a reload succeeds.

// maxReloadProblems bounds the problems shown of one reload.
const maxReloadProblems = 50

// LessonsReloader serves a course that can be replaced while the server
// runs; it is a Catalog and a Checker.
type LessonsReloader struct {
	dir  string
	log  *slog.Logger
	load func(dir string) (*lessons.Catalogue, error)
	cur  atomic.Pointer[lessons.Catalogue]

	mu     sync.Mutex // one reload at a time; guards the status
	status ReloadStatus
}

// LessonsReload reloads the course; *LessonsReloader is one.
type LessonsReload interface {
	Reload() error
	Status() ReloadStatus
}

// ReloadStatus is the outcome of the last reload.
type ReloadStatus struct {
	At       time.Time // zero: never reloaded
	OK       bool
	Lessons  int      // lessons of the course served
	Problems []string // why the last reload was refused, a line each
}

// NewLessonsReloader serves course, loaded from dir ("" for the built-in
// course alone), and reloads it from dir on Reload.
func NewLessonsReloader(dir string, course *lessons.Catalogue, log *slog.Logger) *LessonsReloader {
	if log == nil {
		log = slog.Default()
	}
	r := &LessonsReloader{dir: dir, log: log, load: lessons.Load}
	r.cur.Store(course)
	r.status.Lessons = len(course.Lessons())
	return r
}

// Reload loads and checks the folder again. On success the new course is
// served; otherwise the old one stays and the error lists the problems.
func (r *LessonsReloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	course, err := r.load(r.dir)
	r.status.At = time.Now()
	if err != nil {
		r.status.OK = false
		r.status.Problems = problemLines(err)
		r.log.Warn("lessons not reloaded: the old course stays", "dir", r.dir, "problems", len(r.status.Problems), "err", err)
		return err
	}
	r.cur.Store(course)
	r.status.OK, r.status.Problems, r.status.Lessons = true, nil, len(course.Lessons())
	r.log.Info("lessons reloaded", "dir", r.dir, "lessons", r.status.Lessons)
	return nil
}

// Status returns the outcome of the last reload.
func (r *LessonsReloader) Status() ReloadStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
	s.Problems = append([]string(nil), s.Problems...)
	return s
}

// problemLines splits an error of lessons.Load into its problems.
func problemLines(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		for _, l := range strings.Split(e.Error(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	walk(err)
	if len(out) > maxReloadProblems {
		out = append(out[:maxReloadProblems], "…")
	}
	return out
}

func (r *LessonsReloader) catalog() lessonsCatalog { return lessonsCatalog{r.cur.Load()} }

// Lessons returns the current course's lessons.
func (r *LessonsReloader) Lessons(lang string) []Lesson { return r.catalog().Lessons(lang) }

// Lesson finds a lesson of the current course.
func (r *LessonsReloader) Lesson(slug, lang string) (Lesson, bool) {
	return r.catalog().Lesson(slug, lang)
}

// Judge returns the judge of a run against the current course's checks;
// a run keeps the judge it started with.
func (r *LessonsReloader) Judge(slug, exercise string) RunJudge {
	return r.catalog().Judge(slug, exercise)
}

// UseReloadableLessons serves the lessons of r and lets a teacher reload
// them.
func (c *Config) UseReloadableLessons(r *LessonsReloader) {
	c.Catalog, c.Checker, c.Lessons = r, r, r
}

// handleReloadLessons reloads the lessons for a signed-in teacher and goes
// back to the classes page, which shows the outcome.
func (s *Server) handleReloadLessons(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Lessons == nil {
		http.Error(w, "This server's lessons cannot be reloaded.", http.StatusNotFound)
		return
	}
	s.cfg.Lessons.Reload() //nolint:errcheck // the page shows the outcome (Status)
	http.Redirect(w, r, "/teacher/classes#lessons", http.StatusSeeOther)
}
