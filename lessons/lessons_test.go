package lessons

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mpplayground/event"
)

// wantOrder is the course the issue asks for, in order.
var wantOrder = []string{
	"why-processes", "starting-a-process", "who-am-i", "lifecycle", "subclassing-process",
	"memory-is-not-shared", "start-methods", "pool-apply", "pool-apply-async", "pool-map",
	"queue", "pipe", "value-and-array", "races-and-locks", "semaphore-event-barrier",
	"shared-memory", "manager", "process-pool-executor",
	"daemons-and-signals", "pool-extras", "simplequeue-and-wait", "condition-rlock-boundedsemaphore",
	"logging-from-processes", "pickling-and-shareablelist", "spawn-safety-and-free-threading",
	"pitfalls", "capstone-pipeline",
}

func MustLoad(tb testing.TB, dir string) *Catalogue {
	tb.Helper()
	c, err := Load(dir)
	if err != nil {
		tb.Fatalf("Load(%q): %v", dir, err)
	}
	return c
}

func TestLoad(t *testing.T) {
	c := MustLoad(t, "")

	t.Run("CourseOrder", func(t *testing.T) {
		var got []string
		for _, l := range c.Lessons() {
			got = append(got, l.Slug)
		}
		if strings.Join(got, " ") != strings.Join(wantOrder, " ") {
			t.Fatalf("lessons = %v\nwant %v", got, wantOrder)
		}
	})

	t.Run("EveryLessonInBothLanguages", func(t *testing.T) {
		for _, l := range c.Lessons() {
			for _, lang := range Languages {
				for what, text := range map[string]Text{"title": l.Title, "summary": l.Summary, "body": l.Body} {
					if strings.TrimSpace(text[lang]) == "" {
						t.Errorf("%s: %s has no %q text", l.Dir, what, lang)
					}
				}
				for _, ex := range l.Exercises {
					if strings.TrimSpace(ex.Title[lang]) == "" || strings.TrimSpace(ex.Task[lang]) == "" {
						t.Errorf("%s/%s: title or task has no %q text", l.Dir, ex.ID, lang)
					}
				}
			}
			if !strings.Contains(l.Body["zh"], "运行") || !strings.Contains(l.Body["en"], "Run") {
				t.Errorf("%s: the text does not say what a run shows", l.Dir)
			}
		}
	})

	t.Run("EveryProgramGuardsMain", func(t *testing.T) {
		for _, l := range c.Lessons() {
			progs := map[string]string{"example": l.Example}
			for _, ex := range l.Exercises {
				progs[ex.ID+" solution"] = ex.Solution
			}
			for name, code := range progs {
				if !strings.Contains(code, `if __name__ == "__main__":`) {
					t.Errorf("%s %s: no main guard", l.Dir, name)
				}
			}
			for _, ex := range l.Exercises {
				if ex.Starter == ex.Solution {
					t.Errorf("%s %s: the starter is the solution", l.Dir, ex.ID)
				}
			}
		}
	})

	t.Run("EveryCheckIsValid", func(t *testing.T) {
		for _, l := range c.Lessons() {
			all := append([]Check(nil), l.Checks...)
			for _, ex := range l.Exercises {
				if len(ex.Checks) == 0 {
					t.Errorf("%s %s: no checks", l.Dir, ex.ID)
				}
				all = append(all, ex.Checks...)
			}
			for _, ch := range all {
				if err := ch.Validate(); err != nil {
					t.Errorf("%s: %v", l.Dir, err)
				}
				d := ch.Description()
				if d["en"] == "" || d["zh"] == "" {
					t.Errorf("%s: check %s has no description in both languages", l.Dir, ch.Kind)
				}
			}
		}
	})

	t.Run("EveryCheckIsDescribedInBothLanguages", func(t *testing.T) {
		for _, l := range c.Lessons() {
			all := append([]Check(nil), l.Checks...)
			for _, ex := range l.Exercises {
				all = append(all, ex.Checks...)
			}
			for _, ch := range all {
				for _, lang := range Languages {
					if strings.TrimSpace(ch.Describe[lang]) == "" {
						t.Errorf("%s: a %s check has no describe in %q", l.Dir, ch.Kind, lang)
					}
				}
				if d := ch.Describe["en"] + ch.Describe["zh"]; strings.Contains(d, "/^") || strings.Contains(d, "$/") || strings.Contains(d, `\d`) {
					t.Errorf("%s: describe %q shows a regular expression", l.Dir, ch.Describe["en"])
				}
			}
		}
	})

	t.Run("NoExercisePassesOnPrintedTextAlone", func(t *testing.T) {
		// What a program prints can be typed in; what the run's events
		// show (which process did what, what flowed, when) cannot.
		for _, l := range c.Lessons() {
			for _, ex := range l.Exercises {
				seen := false
				for _, ch := range ex.Checks {
					switch ch.Kind {
					case KindExitCode, KindStatus, KindDuration, KindOutputContains, KindOutputLacks,
						KindOutputMatches, KindLines, KindValue, KindOrder:
						seen = seen || (ch.Name != "" && ch.Name != "^MainProcess$")
					default:
						seen = true
					}
				}
				if !seen {
					t.Errorf("%s %s: every check reads only printed text", l.Dir, ex.ID)
				}
			}
		}
	})

	t.Run("EveryExerciseHasWrongAnswers", func(t *testing.T) {
		for _, l := range c.Lessons() {
			for _, ex := range l.Exercises {
				if len(ex.Wrong) == 0 {
					t.Errorf("%s %s: no wrong answer (%s.wrong-*.py)", l.Dir, ex.ID, ex.ID)
				}
			}
		}
	})

	t.Run("LookupBySlug", func(t *testing.T) {
		l, ok := c.Lesson("queue")
		if !ok || l.Number != 11 || l.Dir != "11-queue" {
			t.Fatalf("Lesson(queue) = %+v, %v", l, ok)
		}
		if _, ok := c.Lesson("no-such-lesson"); ok {
			t.Fatal("found a lesson that does not exist")
		}
		if _, ok := l.Exercise("one-sentinel-each"); !ok {
			t.Fatal("exercise one-sentinel-each not found")
		}
		prev, next := c.Neighbours("queue")
		if prev == nil || prev.Slug != "pool-map" || next == nil || next.Slug != "pipe" {
			t.Fatalf("Neighbours(queue) = %v, %v", prev, next)
		}
		if prev, _ := c.Neighbours("why-processes"); prev != nil {
			t.Fatalf("the first lesson has a previous one: %s", prev.Slug)
		}
	})
}

func TestTextFallsBackToEnglish(t *testing.T) {
	tx := Text{"en": "hello", "zh": ""}
	if got := tx.In("zh"); got != "hello" {
		t.Fatalf(`In("zh") = %q, want the English text`, got)
	}
	if got := (Text{"en": "hello", "zh": "你好"}).In("zh"); got != "你好" {
		t.Fatalf(`In("zh") = %q`, got)
	}
	if got := tx.In("fr"); got != "hello" {
		t.Fatalf(`In("fr") = %q`, got)
	}
}

// writeLesson writes a small valid lesson folder under dir; files maps
// names to contents and replaces or (with "") removes defaults.
func writeLesson(t *testing.T, dir, name string, files map[string]string) {
	t.Helper()
	defaults := map[string]string{
		"lesson.json": `{"title": {"en": "Custom", "zh": "自定义"}, "summary": {"en": "s"},
			"checks": [{"kind": "exit_code", "code": 0}],
			"exercises": [{"id": "task", "title": {"en": "Task"}, "checks": [{"kind": "output_contains", "text": "hi"}]}]}`,
		"lesson.en.md":     "Press Run.",
		"example.py":       "print('hi')\n",
		"task.en.md":       "Print hi.",
		"task.starter.py":  "pass\n",
		"task.solution.py": "print('hi')\n",
	}
	for k, v := range files {
		defaults[k] = v
	}
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range defaults {
		if v == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(d, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadOverrideDir(t *testing.T) {
	t.Run("ReplacesBySlugAndAddsByNumber", func(t *testing.T) {
		dir := t.TempDir()
		writeLesson(t, dir, "11-queue", nil)
		writeLesson(t, dir, "03-my-extra", nil)
		writeLesson(t, dir, "99-last", nil)
		c := MustLoad(t, dir)
		if n := len(c.Lessons()); n != len(wantOrder)+2 {
			t.Fatalf("%d lessons, want %d", n, len(wantOrder)+2)
		}
		q, _ := c.Lesson("queue")
		if q.Title.In("en") != "Custom" || q.Source != dir {
			t.Fatalf("queue not replaced: %q from %q", q.Title.In("en"), q.Source)
		}
		if q.Title.In("zh") != "自定义" || q.Body.In("zh") != "Press Run." {
			t.Fatalf("missing Chinese does not fall back: title %q body %q", q.Title.In("zh"), q.Body.In("zh"))
		}
		ls := c.Lessons()
		if ls[2].Slug != "who-am-i" || ls[3].Slug != "my-extra" || ls[len(ls)-1].Slug != "last" {
			t.Fatalf("order: %s %s ... %s", ls[2].Slug, ls[3].Slug, ls[len(ls)-1].Slug)
		}
	})

	t.Run("ReportsEveryProblemWithItsFile", func(t *testing.T) {
		dir := t.TempDir()
		writeLesson(t, dir, "01-bad-json", map[string]string{"lesson.json": `{"title": `})
		writeLesson(t, dir, "02-bad-check", map[string]string{"lesson.json": `{"title": {"en": "x"},
			"checks": [{"kind": "processes", "name": "(", "min": 1}],
			"exercises": [{"id": "task", "title": {"en": "t"}, "checks": [{"kind": "no_such_kind"}]}]}`})
		writeLesson(t, dir, "03-no-solution", map[string]string{"task.solution.py": ""})
		writeLesson(t, dir, "04-unknown-field", map[string]string{"lesson.json": `{"title": {"en": "x"}, "tilte": {},
			"checks": [{"kind": "exit_code", "code": 0}], "exercises": []}`})
		writeLesson(t, dir, "Bad Name", nil)
		writeLesson(t, dir, "05-bad-wrong", map[string]string{"other.wrong-x.py": "print(1)\n", "task.wrong.py": "print(1)\n", "task.wrong-Bad.py": "print(1)\n"})
		_, err := Load(dir)
		if err == nil {
			t.Fatal("Load accepted broken lessons")
		}
		for _, want := range []string{
			"01-bad-json/lesson.json",
			"02-bad-check/lesson.json: checks[0]: name is not a valid regular expression",
			`02-bad-check/lesson.json: exercises[0].checks[0]: unknown kind "no_such_kind"`,
			"03-no-solution/task.solution.py: missing or empty",
			`04-unknown-field/lesson.json: json: unknown field "tilte"`,
			"Bad Name: a lesson folder is named NN-slug",
			`05-bad-wrong/other.wrong-x.py: no exercise "other"`,
			"05-bad-wrong/task.wrong.py: a wrong answer is named <exercise>.wrong-<what>.py",
			"05-bad-wrong/task.wrong-Bad.py: a wrong answer is named",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %q:\n%v", want, err)
			}
		}
	})

	t.Run("DuplicateSlugIsAnError", func(t *testing.T) {
		dir := t.TempDir()
		writeLesson(t, dir, "01-same", nil)
		writeLesson(t, dir, "02-same", nil)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `slug "same" is also used`) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("MissingDirIsAnError", func(t *testing.T) {
		if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Fatal("Load accepted a missing folder")
		}
	})
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	writeLesson(t, dir, "01-good", nil)
	writeLesson(t, dir, "02-lazy-starter", map[string]string{"task.starter.py": "print('hi')\n"})
	writeLesson(t, dir, "03-broken-example", map[string]string{"example.py": "raise SystemExit(1)\n"})
	writeLesson(t, dir, "04-wrong-answers", map[string]string{"task.wrong-silent.py": "pass\n", "task.wrong-fools-it.py": "print('hi')\n"})
	cat := MustLoad(t, dir)
	only := map[string]bool{"good": true, "lazy-starter": true, "broken-example": true, "wrong-answers": true}
	var mine []*Lesson
	for _, l := range cat.lessons {
		if only[l.Slug] {
			mine = append(mine, l)
		}
	}
	cat.lessons = mine

	// A fake sandbox: a program "prints hi" if its source says so, and
	// exits 1 if it raises SystemExit(1).
	run := func(ctx context.Context, code string) ([]event.Event, error) {
		b := stream().proc(1, "MainProcess")
		if strings.Contains(code, "print('hi')") {
			b.out(1, "stdout", "hi\n")
		}
		exit := 0
		if strings.Contains(code, "SystemExit(1)") {
			exit = 1
		}
		return b.exit(1, exit).end("ok", exit).events, nil
	}
	rep := cat.Verify(context.Background(), run)
	byDir := map[string]LessonReport{}
	for _, l := range rep.Lessons {
		byDir[l.Dir] = l
	}
	if !byDir["01-good"].Passed() {
		t.Errorf("01-good failed: %+v", byDir["01-good"])
	}
	if lr := byDir["02-lazy-starter"]; lr.Passed() || !strings.Contains(problems(lr), "starter code already passes") {
		t.Errorf("02-lazy-starter: %+v", lr)
	}
	if lr := byDir["03-broken-example"]; lr.Passed() || !strings.Contains(problems(lr), "example: check failed: the main process exits with code 0 (exit code 1, wanted 0)") {
		t.Errorf("03-broken-example: %s", problems(lr))
	}
	lr := byDir["04-wrong-answers"]
	if lr.Passed() || len(lr.Programs) != 5 {
		t.Errorf("04-wrong-answers: %+v", lr)
	}
	if p := problems(lr); p != "task wrong-fools-it: this wrong answer passes every check" {
		t.Errorf("04-wrong-answers problems: %q", p)
	}
	if rep.Passed() || rep.Failed() != 3 {
		t.Errorf("report passed=%v failed=%d", rep.Passed(), rep.Failed())
	}
	var out strings.Builder
	if _, err := rep.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "FAIL 03-broken-example") || !strings.Contains(out.String(), "4 lessons, 3 failed") {
		t.Errorf("report text:\n%s", out.String())
	}

	t.Run("RunErrorsAreReported", func(t *testing.T) {
		failing := func(ctx context.Context, code string) ([]event.Event, error) {
			return nil, errors.New("sandbox unavailable")
		}
		rep := cat.Verify(context.Background(), failing)
		if rep.Passed() || !strings.Contains(problems(rep.Lessons[0]), "run failed: sandbox unavailable") {
			t.Fatalf("%+v", rep.Lessons[0])
		}
	})

	t.Run("AProgramDiagnosedAsStuckDoesNotPass", func(t *testing.T) {
		// The example passes its checks, but the runner said it was stuck.
		stuck := func(ctx context.Context, code string) ([]event.Event, error) {
			events, err := run(ctx, code)
			d := event.Event{Type: event.TypeDiagnosis, Pattern: event.PatternUnknownWait, PIDs: []int{1}, Message: "Process 1 waits."}
			return append(events[:len(events)-1:len(events)-1], d, events[len(events)-1]), err
		}
		rep := cat.Verify(context.Background(), stuck)
		lr := rep.Lessons[0]
		if lr.Passed() || !strings.Contains(problems(lr), "example: diagnosed as stuck (unknown-wait): Process 1 waits.") {
			t.Fatalf("%s", problems(lr))
		}
	})

	t.Run("StopsWhenCancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		counting := func(ctx context.Context, code string) ([]event.Event, error) {
			calls++
			return run(ctx, code)
		}
		if rep := cat.Verify(ctx, counting); rep.Passed() || calls != 0 {
			t.Fatalf("passed=%v after %d runs", rep.Passed(), calls)
		}
	})
}

func problems(lr LessonReport) string {
	var s []string
	for _, p := range lr.Programs {
		for _, why := range p.Problems {
			s = append(s, p.Program+": "+why)
		}
	}
	return strings.Join(s, "\n")
}
