package web

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"mpplayground/lessons"
)

// checksLesson is the lesson of the built-in course whose exercise the
// tests work on.
const (
	checksLesson   = "starting-a-process"
	checksExercise = "three-workers"
)

func mustCourseExercise(tb testing.TB) (*lessons.Lesson, *lessons.Exercise) {
	tb.Helper()
	c, err := lessons.Load("")
	if err != nil {
		tb.Fatal(err)
	}
	l, ok := c.Lesson(checksLesson)
	if !ok {
		tb.Fatalf("no lesson %s", checksLesson)
	}
	e, ok := l.Exercise(checksExercise)
	if !ok {
		tb.Fatalf("no exercise %s", checksExercise)
	}
	return l, e
}

// nextChecks reads the checks message that follows run.end.
func nextChecks(tb testing.TB, c *wsClient) checksMessage {
	tb.Helper()
	_, r := c.next(runTimeout)
	var m checksMessage
	if err := json.Unmarshal(r.raw, &m); err != nil || m.Type != "checks" {
		tb.Fatalf("want a checks message after run.end, got %s", r.raw)
	}
	return m
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestChecksAfterARun(t *testing.T) {
	lesson, ex := mustCourseExercise(t)
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: realCourse(t), Checker: realCourse(t)})

	t.Run("TheStarterFailsTheExercise", func(t *testing.T) {
		id, _, _, c := runOver(t, base, ada, map[string]any{"type": "run", "lesson": checksLesson, "exercise": checksExercise, "code": ex.Starter})
		m := nextChecks(t, c)
		if m.RunID != id || m.Exercise != checksExercise || m.Passed || len(m.Results) != len(ex.Checks) {
			t.Fatalf("checks %+v", m)
		}
		if m.Title != ex.Title.In("en") {
			t.Errorf("title %q", m.Title)
		}
		failed := 0
		for _, r := range m.Results {
			if r.Description == "" {
				t.Error("a check without description")
			}
			if !r.Passed {
				failed++
				if r.Detail == "" {
					t.Errorf("failed check %q says nothing of what was found", r.Description)
				}
			}
		}
		if failed == 0 {
			t.Error("no check failed")
		}
		r, _ := mustAPIRun(t, base, id)
		var rec lessons.Verdict
		if err := json.Unmarshal(r.Exercise, &rec); err != nil || rec.Exercise != checksExercise || rec.Passed || rec.Solved || len(rec.Results) != len(ex.Checks) {
			t.Errorf("stored result %s (%v)", r.Exercise, err)
		}
	})
	t.Run("TheSolutionPassesAndTheLessonCountsAsPassed", func(t *testing.T) {
		id, _, _, c := runOver(t, base, ada, map[string]any{"type": "run", "lesson": checksLesson, "exercise": checksExercise, "code": ex.Solution})
		m := nextChecks(t, c)
		if !m.Passed {
			t.Fatalf("the reference solution failed: %+v", m)
		}
		r, _ := mustAPIRun(t, base, id)
		if !strings.Contains(string(r.Exercise), `"solved":true`) {
			t.Errorf("stored result %s", r.Exercise)
		}
		_, doc := MustGet(t, nil, base+"/", "Cookie", learnerCookie+"="+ada)
		item := doc.Find(`[data-testid=lesson-item][data-slug="` + checksLesson + `"]`)
		if item.Find(`[data-testid=progress-passed]`).Length() != 1 {
			t.Errorf("home does not show the lesson passed: %q", item.Text())
		}
		if n := item.Find(`[data-testid=progress-runs]`).AttrOr("data-runs", ""); n != "2" {
			t.Errorf("home shows %s runs, want 2", n)
		}
		_, doc = MustGet(t, nil, base+"/", "Cookie", learnerCookie+"="+bob)
		if doc.Find(`[data-testid=progress-runs], [data-testid=progress-passed]`).Length() != 0 {
			t.Error("another learner sees ada's progress")
		}
		_, doc = MustGet(t, nil, base+"/lessons/"+checksLesson, "Cookie", learnerCookie+"="+ada)
		if doc.Find(`[data-testid=history-item][data-run="`+id+`"] [data-testid=history-passed]`).Length() != 1 {
			t.Error("the history does not mark the passing run")
		}
	})
	t.Run("TheExampleIsCheckedWhenNoExerciseIsChosen", func(t *testing.T) {
		_, _, _, c := runOver(t, base, ada, runMsg(checksLesson, lesson.Example))
		m := nextChecks(t, c)
		if m.Exercise != "" || !m.Passed || len(m.Results) != len(lesson.Checks) {
			t.Fatalf("example checks %+v", m)
		}
	})
	t.Run("ChecksFollowTheLanguageOfThePage", func(t *testing.T) {
		h := learnerHeader(bob)
		h.Add("Cookie", langCookie+"=zh")
		c := mustDialURL(t, base, h)
		c.send(map[string]any{"type": "run", "lesson": checksLesson, "exercise": checksExercise, "code": ex.Starter})
		c.runToEnd(runTimeout)
		m := nextChecks(t, c)
		if !hasHan(m.Title) || !hasHan(m.Results[0].Description) {
			t.Errorf("checks not in Chinese: %+v", m)
		}
	})
	t.Run("AnUnknownExerciseIsRefused", func(t *testing.T) {
		c := mustDialURL(t, base, learnerHeader(ada))
		c.send(map[string]any{"type": "run", "lesson": checksLesson, "exercise": "no-such-task", "code": "print(1)"})
		if msg := c.expectError(runTimeout); !strings.Contains(msg, "no-such-task") {
			t.Errorf("error %q", msg)
		}
	})
}

func TestLessonPageExercises(t *testing.T) {
	lesson, ex := mustCourseExercise(t)
	_, ts := MustServer(t, Config{Catalog: realCourse(t), Checker: realCourse(t)})
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			_, doc := MustGet(t, nil, ts.URL+"/lessons/"+checksLesson+"?lang="+lang)
			cards := byTestID(doc, "exercise")
			if cards.Length() != len(lesson.Exercises) {
				t.Fatalf("%d exercises shown, the lesson has %d", cards.Length(), len(lesson.Exercises))
			}
			card := doc.Find(`[data-testid=exercise][data-exercise="` + checksExercise + `"]`)
			if got := strings.TrimSpace(card.Find(`[data-testid=exercise-title]`).Text()); got != ex.Title.In(lang) {
				t.Errorf("title %q, want %q", got, ex.Title.In(lang))
			}
			task := card.Find(`[data-testid=exercise-task]`).Text()
			if strings.TrimSpace(task) == "" || (lang == "zh") != hasHan(task) {
				t.Errorf("task in %s: %q", lang, task)
			}
			if card.Find(`[data-testid=load-starter]`).AttrOr("data-exercise", "") != checksExercise {
				t.Error("no button that loads the starter")
			}
			if b := card.Find(`[data-testid=load-starter]`).Text(); (lang == "zh") != hasHan(b) {
				t.Errorf("button %q not in %s", b, lang)
			}
			var data map[string]map[string]string
			if err := json.Unmarshal([]byte(doc.Find("script#exercise-data").Text()), &data); err != nil {
				t.Fatal(err)
			}
			if data[checksExercise]["starter"] != ex.Starter || data[checksExercise]["title"] != ex.Title.In(lang) {
				t.Errorf("exercise data %v", data[checksExercise])
			}
			var strs map[string]string
			json.Unmarshal([]byte(doc.Find("script#ui-strings").Text()), &strs)
			for _, k := range []string{"checks.allPassed", "checks.someFailed", "target.exercise", "restored", "copied"} {
				if strs[k] == "" || (lang == "zh") != hasHan(strs[k]) {
					t.Errorf("ui string %s = %q in %s", k, strs[k], lang)
				}
			}
		})
	}
}
