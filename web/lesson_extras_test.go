package web

import (
	"encoding/json"
	"strings"
	"testing"

	"mpplayground/lessons"
)

// The lesson page carries, for its scripts, the lesson's questions and each
// exercise's hints (rendered) and solution, in the page's language.
func TestLessonPageCarriesPredictionsAndHints(t *testing.T) {
	course := realCourse(t)
	_, ts := MustServer(t, Config{Catalog: course, Checker: course})
	for _, lang := range []string{"en", "zh"} {
		_, doc := MustGet(t, nil, ts.URL+"/lessons/queue?lang="+lang)
		if doc == nil {
			t.Fatal("no page")
		}
		if byTestID(doc, "predict").Length() != 1 || byTestID(doc, "predict-list").Length() != 1 {
			t.Errorf("%s: no place for the questions", lang)
		}
		var x lessonExtras
		if err := json.Unmarshal([]byte(doc.Find("script#lesson-extras").Text()), &x); err != nil {
			t.Fatalf("%s: lesson-extras: %v", lang, err)
		}
		if len(x.Predictions) == 0 || x.Predictions[0].Kind == "" || x.Predictions[0].Question == "" {
			t.Errorf("%s: predictions %+v", lang, x.Predictions)
		}
		if lang == "zh" && !hasHan(x.Predictions[0].Question) {
			t.Errorf("zh question %q", x.Predictions[0].Question)
		}
		e, ok := x.Exercises["one-sentinel-each"]
		if !ok {
			t.Fatalf("%s: no extras for the exercise: %+v", lang, x.Exercises)
		}
		if len(e.Hints) < 2 || !strings.Contains(e.Hints[1], "<code>") {
			t.Errorf("%s: hints %q", lang, e.Hints)
		}
		if lang == "zh" && !hasHan(e.Hints[0]) {
			t.Errorf("zh hint %q", e.Hints[0])
		}
		if e.SolutionAfter != len(e.Hints)+1 || !strings.Contains(e.Solution, "put(None)") {
			t.Errorf("%s: solution after %d: %q", lang, e.SolutionAfter, e.Solution)
		}
	}
}

// The course the server serves (reloadable) has the same extras.
func TestReloadableCourseHasExtras(t *testing.T) {
	c, err := lessons.Load("")
	if err != nil {
		t.Fatal(err)
	}
	var cat Catalog = NewLessonsReloader("", c, quietLogger())
	xc, ok := cat.(extrasCatalog)
	if !ok {
		t.Fatal("the reloadable course has no extras")
	}
	x, ok, err := xc.lessonExtras("pitfalls", "zh")
	if err != nil || !ok || len(x.Predictions) == 0 || len(x.Exercises) != 3 {
		t.Fatalf("extras %+v, %v, %v", x, ok, err)
	}
}
