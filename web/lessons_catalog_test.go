package web

import (
	"net/http"
	"strings"
	"testing"

	"mpplayground/lessons"
)

// realCourse is the built-in course of the lessons package.
func realCourse(tb testing.TB) lessonsCatalog {
	tb.Helper()
	c, err := lessons.Load("")
	if err != nil {
		tb.Fatalf("load lessons: %v", err)
	}
	return lessonsCatalog{c}
}

func TestBuiltInCourse(t *testing.T) {
	course := realCourse(t)
	_, ts := MustServer(t, Config{Catalog: course})
	all := course.Lessons("en")
	if len(all) == 0 {
		t.Fatal("the course has no lessons")
	}
	_, index := MustGet(t, nil, ts.URL+"/")
	if n := byTestID(index, "lesson-item").Length(); n != len(all) {
		t.Errorf("home lists %d lessons, the course has %d", n, len(all))
	}
	for _, lang := range languages {
		for _, l := range all {
			t.Run(lang+"/"+l.Slug, func(t *testing.T) {
				res, doc := MustGet(t, nil, ts.URL+"/lessons/"+l.Slug+"?lang="+lang)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d", res.StatusCode)
				}
				if byTestID(doc, "lesson-title").Text() == "" {
					t.Error("no title")
				}
				if len(strings.TrimSpace(byTestID(doc, "prose").Text())) < 100 {
					t.Error("the prose is nearly empty")
				}
				if strings.TrimSpace(byTestID(doc, "code").Text()) == "" {
					t.Error("no example in the editor")
				}
			})
		}
	}
}
