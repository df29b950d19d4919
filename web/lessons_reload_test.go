package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mpplayground/lessons"
)

// writeCustomLesson writes a lesson folder "90-custom" with one exercise
// titled title into dir.
func writeCustomLesson(t *testing.T, dir, lessonJSON string) {
	t.Helper()
	d := filepath.Join(dir, "90-custom")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"lesson.json":      lessonJSON,
		"lesson.en.md":     "Press Run.",
		"example.py":       "print('hi')\n",
		"task.en.md":       "Print hi.",
		"task.starter.py":  "pass\n",
		"task.solution.py": "print('hi')\n",
	} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func customLessonJSON(title string) string {
	return `{"title": {"en": "` + title + `", "zh": "自定义"}, "summary": {"en": "s"},
		"checks": [{"kind": "exit_code", "code": 0}],
		"exercises": [{"id": "task", "title": {"en": "Task"}, "checks": [{"kind": "output_contains", "text": "hi"}]}]}`
}

func TestLessonsReload(t *testing.T) {
	dir := t.TempDir()
	writeCustomLesson(t, dir, customLessonJSON("Custom one"))
	course, err := lessons.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	reloader := NewLessonsReloader(dir, course, quietLogger())
	cfg := Config{Executor: idleExecutor, TeacherToken: teacherToken}
	cfg.UseReloadableLessons(reloader)
	_, base := MustStoredServer(t, MustStore(t), cfg)
	teacher := teacherClient(t, base)
	cs := &classServer{base: base, teacher: teacher}
	title := func() string {
		_, body := cs.get(t, nil, "/lessons/custom")
		return body
	}
	if !strings.Contains(title(), "Custom one") {
		t.Fatal("the custom lesson is not served")
	}

	t.Run("ANewFolderIsServedAfterTheButton", func(t *testing.T) {
		writeCustomLesson(t, dir, customLessonJSON("Custom two"))
		res, _ := cs.post(t, teacher, "/teacher/lessons/reload", nil)
		if res.StatusCode != 303 {
			t.Fatalf("reload: %s", res.Status)
		}
		if !strings.Contains(title(), "Custom two") {
			t.Error("the reloaded lesson is not served")
		}
		_, page := cs.get(t, teacher, "/teacher/classes")
		if !strings.Contains(page, `data-testid="lessons-reloaded"`) {
			t.Error("the classes page does not say the lessons were reloaded")
		}
	})
	t.Run("AMalformedFolderKeepsTheOldCourseAndShowsItsProblems", func(t *testing.T) {
		writeCustomLesson(t, dir, `{"title": {"en": "Broken"`)
		if err := reloader.Reload(); err == nil {
			t.Fatal("a malformed folder was reloaded")
		}
		if !strings.Contains(title(), "Custom two") {
			t.Error("the old course is gone")
		}
		_, page := cs.get(t, teacher, "/teacher/classes")
		if !strings.Contains(page, `data-testid="lessons-refused"`) || !strings.Contains(page, "lesson.json") {
			t.Errorf("the problems are not shown: %s", page[strings.Index(page, `id="lessons"`):][:600])
		}
		st := reloader.Status()
		if st.OK || len(st.Problems) == 0 {
			t.Errorf("status %+v", st)
		}
	})
	t.Run("OnlyATeacherReloads", func(t *testing.T) {
		res, _ := cs.post(t, nil, "/teacher/lessons/reload", nil)
		if res.StatusCode != 403 {
			t.Errorf("reload without a session: %s", res.Status)
		}
	})
}
