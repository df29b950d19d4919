package lessons

import (
	"context"
	"fmt"
	"io"
	"strings"

	"mpplayground/event"
)

// RunFunc runs a Python program (in the sandbox, for `playground lessons
// check`) and returns the events of its run.
type RunFunc func(ctx context.Context, code string) ([]event.Event, error)

// Report is the outcome of Verify, lesson by lesson in course order.
type Report struct {
	Lessons []LessonReport
}

// LessonReport is the outcome for one lesson's programs.
type LessonReport struct {
	Slug     string
	Dir      string
	Programs []ProgramReport
}

// ProgramReport is the outcome for one program: the example, a reference
// solution (which must pass its checks), a starter or a wrong answer (which
// must not).
type ProgramReport struct {
	Program  string // "example", "<id> solution", "<id> starter", "<id> wrong-<what>"
	Passed   bool
	Problems []string // why it did not pass; empty when it passed
}

// Passed reports whether every program of the lesson behaved.
func (lr LessonReport) Passed() bool {
	for _, p := range lr.Programs {
		if !p.Passed {
			return false
		}
	}
	return true
}

// Passed reports whether every lesson behaved.
func (r Report) Passed() bool {
	for _, l := range r.Lessons {
		if !l.Passed() {
			return false
		}
	}
	return true
}

// Failed counts the lessons that did not pass.
func (r Report) Failed() int {
	n := 0
	for _, l := range r.Lessons {
		if !l.Passed() {
			n++
		}
	}
	return n
}

// WriteTo prints the report, one line per lesson and the reasons of every
// failure under it.
func (r Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, l := range r.Lessons {
		verdict := "ok  "
		if !l.Passed() {
			verdict = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s\n", verdict, l.Dir)
		for _, p := range l.Programs {
			for _, why := range p.Problems {
				fmt.Fprintf(&b, "     %s: %s\n", p.Program, why)
			}
		}
	}
	fmt.Fprintf(&b, "%d lessons, %d failed\n", len(r.Lessons), r.Failed())
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Verify runs every lesson's example and every exercise's reference
// solution, starter and wrong answers through run. The example and the
// solutions must pass all their checks, and never be diagnosed as stuck; a starter must fail at least one
// (else the exercise asks nothing), and so must every wrong answer (else the
// checks can be fooled that way).
// Lessons are run one after another, so that timing-sensitive examples do not
// compete for the CPU. If ctx ends, the remaining programs are reported as
// not run.
func (c *Catalogue) Verify(ctx context.Context, run RunFunc) Report {
	var rep Report
	for _, l := range c.lessons {
		lr := LessonReport{Slug: l.Slug, Dir: l.Dir}
		lr.Programs = append(lr.Programs, verifyOne(ctx, run, "example", l.Example, l.Checks, true))
		for _, ex := range l.Exercises {
			lr.Programs = append(lr.Programs,
				verifyOne(ctx, run, ex.ID+" solution", ex.Solution, ex.Checks, true),
				verifyOne(ctx, run, ex.ID+" starter", ex.Starter, ex.Checks, false))
			for _, w := range ex.Wrong {
				lr.Programs = append(lr.Programs, verifyOne(ctx, run, ex.ID+" "+w.Name, w.Code, ex.Checks, false))
			}
		}
		rep.Lessons = append(rep.Lessons, lr)
	}
	return rep
}

// verifyOne runs one program and judges it: wantPass says whether its checks
// should all pass (example, solution) or not all pass (starter).
func verifyOne(ctx context.Context, run RunFunc, name, code string, checks []Check, wantPass bool) ProgramReport {
	pr := ProgramReport{Program: name}
	if err := ctx.Err(); err != nil {
		pr.Problems = []string{"not run: " + err.Error()}
		return pr
	}
	events, err := run(ctx, code)
	if err != nil {
		pr.Problems = []string{"run failed: " + err.Error()}
		return pr
	}
	results := Evaluate(checks, events)
	// A program that is right is never said to be stuck.
	if wantPass {
		for _, e := range events {
			if e.Type == event.TypeDiagnosis {
				pr.Problems = append(pr.Problems, fmt.Sprintf("diagnosed as stuck (%s): %s", e.Pattern, e.Message))
			}
		}
	}
	switch {
	case len(pr.Problems) > 0:
	case wantPass && !Passed(results):
		for _, r := range results {
			if !r.Passed {
				pr.Problems = append(pr.Problems, fmt.Sprintf("check failed: %s (%s)", r.Description.In("en"), r.Detail.In("en")))
			}
		}
	case !wantPass && Passed(results) && strings.HasSuffix(name, " starter"):
		pr.Problems = []string{"the starter code already passes every check"}
	case !wantPass && Passed(results):
		pr.Problems = []string{"this wrong answer passes every check"}
	default:
		pr.Passed = true
	}
	return pr
}

// Only returns the course reduced to the lessons with the given slugs, in
// course order; a slug that is not in the course is an error.
func (c *Catalogue) Only(slugs []string) (*Catalogue, error) {
	keep := map[string]bool{}
	for _, s := range slugs {
		if _, ok := c.bySlug[s]; !ok {
			return nil, fmt.Errorf("there is no lesson %q", s)
		}
		keep[s] = true
	}
	out := &Catalogue{bySlug: map[string]*Lesson{}}
	for _, l := range c.lessons {
		if keep[l.Slug] {
			out.lessons = append(out.lessons, l)
			out.bySlug[l.Slug] = l
		}
	}
	return out, nil
}
