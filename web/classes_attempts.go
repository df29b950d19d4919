package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mpplayground/store"
)

// maxDiffCells bounds the work of one diff (lines of one program times
// lines of the other): a program the runner accepts is far below it, and
// past it the page says the programs are too long to compare.
const maxDiffCells = 1 << 20

// diffLine is a line of a diff: Op is ' ' (in both), '-' (only in the
// older program) or '+' (only in the newer).
type diffLine struct {
	Op   byte
	Text string
}

// lineDiff compares two programs line by line (a longest common
// subsequence); ok is false when they are too long to compare.
func lineDiff(older, newer string) ([]diffLine, bool) {
	a, b := splitLines(older), splitLines(newer)
	if len(a)*len(b) > maxDiffCells {
		return nil, false
	}
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, diffLine{' ', a[i]})
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			out = append(out, diffLine{'+', b[j]})
			j++
		default:
			out = append(out, diffLine{'-', a[i]})
			i++
		}
	}
	return out, true
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// diffChanged reports whether a diff has any change.
func diffChanged(d []diffLine) bool {
	for _, l := range d {
		if l.Op != ' ' {
			return true
		}
	}
	return false
}

// attemptView is one attempt of a learner at an exercise.
type attemptView struct {
	ID          string
	Number      int // 1 for the first attempt
	Status      string
	StartedAt   time.Time
	Duration    time.Duration
	Checked     bool
	Passed      bool
	Checks      []checkResult
	Source      string
	VsStarter   []diffLine
	VsPrevious  []diffLine // nil for the first attempt
	HasPrevious bool
	TooLong     bool
}

// attemptsView is a learner's attempts at an exercise, newest first.
type attemptsView struct {
	Member        string
	LessonTitle   string
	ExerciseTitle string
	Attempts      []attemptView
	Shown         int // of at most store.MaxAttemptsListed
}

// handleAttempts answers a cell of the grid: the member's attempts at one
// exercise, newest first, with the code, its diff against the starter and
// against the attempt before, and a link to each replay.
func (s *Server) handleAttempts(w http.ResponseWriter, r *http.Request) {
	c, ok := s.classOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	member, err := strconv.ParseInt(q.Get("member"), 10, 64)
	lesson, exercise := q.Get("lesson"), q.Get("exercise")
	if err != nil || member <= 0 || len(lesson) > 200 || len(exercise) > 200 {
		http.Error(w, "The cell asked for is not one of the grid.", http.StatusBadRequest)
		return
	}
	members, err := s.cfg.Classes.Members(ctx, c.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := attemptsView{LessonTitle: lesson, ExerciseTitle: exercise}
	for _, m := range members {
		if m.ID == member {
			v.Member = m.Name
		}
	}
	runs, err := s.cfg.Classes.MemberAttempts(ctx, c.ID, member, lesson, exercise)
	if errors.Is(err, store.ErrMemberNotFound) {
		http.Error(w, "That learner is not in the class any more.", http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	starter := ""
	lang := Lang(ctx)
	if l, ok := s.cfg.Catalog.Lesson(lesson, lang); ok {
		v.LessonTitle = l.Title
		if e, ok := l.exercise(exercise); ok {
			v.ExerciseTitle, starter = e.Title, e.Starter
		}
	}
	v.Shown = len(runs)
	for i, run := range runs {
		a := attemptView{ID: run.ID, Number: len(runs) - i, Status: run.Status, StartedAt: run.StartedAt,
			Duration: run.Duration, Source: run.Source}
		if rec, ok := decodeVerdict(run.Exercise); ok {
			a.Checked, a.Passed, a.Checks = true, rec.Passed, checkResults(rec.Results, lang)
		}
		var ok1, ok2 = true, true
		a.VsStarter, ok1 = lineDiff(starter, run.Source)
		if i+1 < len(runs) {
			a.HasPrevious = true
			a.VsPrevious, ok2 = lineDiff(runs[i+1].Source, run.Source)
		}
		a.TooLong = !ok1 || !ok2
		v.Attempts = append(v.Attempts, a)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, attemptsPanel(v))
}
