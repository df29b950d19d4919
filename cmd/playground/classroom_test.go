package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mpplayground/internal/testload"
)

// writeLessonFolder writes a lesson "90-custom" titled title into dir; a
// title of "" writes a lesson.json that does not parse.
func writeLessonFolder(t *testing.T, dir, title string) {
	t.Helper()
	d := filepath.Join(dir, "90-custom")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := `{"title": {"en": "` + title + `", "zh": "自定义"}, "summary": {"en": "s"},
		"checks": [{"kind": "exit_code", "code": 0}],
		"exercises": [{"id": "task", "title": {"en": "Task"}, "checks": [{"kind": "output_contains", "text": "hi"}]}]}`
	if title == "" {
		meta = `{"title": {"en": `
	}
	for name, body := range map[string]string{
		"lesson.json": meta, "lesson.en.md": "Press Run.", "example.py": "print('hi')\n",
		"task.en.md": "Print hi.", "task.starter.py": "pass\n", "task.solution.py": "print('hi')\n",
	} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// SIGHUP reloads --lessons DIR and --teachers FILE: a sound folder is
// served at once, a malformed one is refused with its problems logged and
// the old course kept, a teacher taken out of the file can no longer sign
// in, and the server goes on.
func TestServeReloadsTheLessonsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	writeLessonFolder(t, dir, "Custom one")
	teachers := filepath.Join(t.TempDir(), "teachers")
	if err := os.WriteFile(teachers, []byte("wang wang-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hup.db"),
		"--sandbox=off", "--lessons", dir, "--teachers", teachers, "--log-format", "json")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var logMu sync.Mutex
	var log bytes.Buffer
	sc := bufio.NewScanner(stderr)
	base := ""
	for base == "" && sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		var l struct{ Msg, URL string }
		json.Unmarshal(sc.Bytes(), &l)
		if l.Msg == "serving the playground" {
			base = l.URL
		}
	}
	if base == "" {
		cmd.Wait()
		t.Fatalf("the server did not start:\n%s", log.String())
	}
	go func() {
		r := bufio.NewReader(stderr)
		for {
			line, err := r.ReadString('\n')
			logMu.Lock()
			log.WriteString(line)
			logMu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	logged := func(s string) bool {
		logMu.Lock()
		defer logMu.Unlock()
		return strings.Contains(log.String(), s)
	}
	page := func() string {
		res, err := http.Get(base + "/lessons/custom")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(testload.Scaled(t, 5*time.Second, 100))
		for !ok() {
			if time.Now().After(deadline) {
				logMu.Lock()
				defer logMu.Unlock()
				t.Fatalf("%s did not happen; log:\n%s", what, log.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	signIn := func(token string) int {
		t.Helper()
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noRedirect.PostForm(base+"/teacher", url.Values{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if !strings.Contains(page(), "Custom one") {
		t.Fatal("the folder's lesson is not served")
	}
	if code := signIn("wang-token-0123456789"); code != http.StatusSeeOther {
		t.Fatalf("wang's sign-in: %d", code)
	}

	writeLessonFolder(t, dir, "Custom two")
	if err := os.WriteFile(teachers, []byte("li li-token-9876543210abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("serving the changed lesson", func() bool { return strings.Contains(page(), "Custom two") })
	waitFor("reading the new teachers", func() bool { return logged("teachers reloaded") })
	if code := signIn("wang-token-0123456789"); code != http.StatusForbidden {
		t.Errorf("the token of a teacher taken out: %d", code)
	}
	if code := signIn("li-token-9876543210abc"); code != http.StatusSeeOther {
		t.Errorf("the token of a teacher added: %d", code)
	}

	writeLessonFolder(t, dir, "")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("logging the malformed folder", func() bool { return logged("lessons not reloaded") })
	if !strings.Contains(page(), "Custom two") {
		t.Error("a malformed folder replaced the course")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the server ended with %v after the reloads", err)
	}
}

func TestServeTeachersFile(t *testing.T) {
	t.Run("AMalformedFileStopsTheServerWithTheLine", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "teachers")
		os.WriteFile(path, []byte("# staff\nwang short\n"), 0o600)
		cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "t.db"), "--sandbox=off", "--teachers", path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "line 2") {
			t.Errorf("exit %v; stderr:\n%s", err, stderr.String())
		}
	})
	t.Run("AMissingFileToo", func(t *testing.T) {
		cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "t.db"), "--sandbox=off", "--teachers", "/nonexistent/teachers")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "--teachers") {
			t.Errorf("exit %v; stderr:\n%s", err, stderr.String())
		}
	})
}
