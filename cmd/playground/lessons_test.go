package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// methodLesson is a teacher's lesson whose checks pass only when the run's
// default start method is spawn: its programs use the default context.
var methodLesson = map[string]string{
	"lesson.json": `{"title": {"en": "Which method", "zh": "哪种方式"},
		"checks": [{"kind": "processes", "via": "spawn", "equals": 1}],
		"exercises": [{"id": "task", "title": {"en": "Spawn one"},
			"checks": [{"kind": "processes", "via": "spawn", "equals": 1},
				{"kind": "output_processes", "pattern": "^child$", "equals": 1}]}]}`,
	"lesson.en.md": "Press Run.",
	"example.py":   childProgram(""),
	"task.en.md":   "Start one child.",
	"task.starter.py": `if __name__ == "__main__":
    print("child")
`,
	"task.solution.py": childProgram(""),
	// Under a spawn default this one still forks: it chose its own method.
	"task.wrong-forks.py": childProgram(`"fork"`),
}

func childProgram(method string) string {
	return `import multiprocessing as mp


def child():
    print("child", flush=True)


if __name__ == "__main__":
    ctx = mp.get_context(` + method + `)
    p = ctx.Process(target=child)
    p.start()
    p.join()
`
}

func writeLessonDir(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, src := range files {
		if err := os.WriteFile(filepath.Join(d, f), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// slowMachineTimeout is the wall time of the runs of these tests: they
// judge what a program printed, and on a machine busy with the rest of the
// suite a run of two processes has taken longer than the 10 s default. A
// program that hangs still fails them, later.
const slowMachineTimeout = "--timeout=2m"

// lessons check runs each lesson under the start method asked for, and
// holds wrong answers to failing.
func TestLessonsCheckStartMethods(t *testing.T) {
	requireSandbox(t)
	dir := writeLessonDir(t, "99-which-method", methodLesson)
	check := func(methods string) (int, string) {
		var out, errb bytes.Buffer
		code := lessonsCheck([]string{"check", slowMachineTimeout, "--start-method", methods, "--lesson", "which-method", dir}, &out, &errb)
		return code, out.String() + errb.String()
	}

	if code, out := check("spawn"); code != 0 || !strings.Contains(out, "── start method spawn\nok   99-which-method\n1 lessons, 0 failed") {
		t.Errorf("under spawn: exit %d\n%s", code, out)
	}
	code, out := check("fork,spawn")
	if code != 1 {
		t.Errorf("under fork and spawn: exit %d, want 1\n%s", code, out)
	}
	fork, spawn, ok := strings.Cut(out, "── start method spawn")
	if !ok || !strings.Contains(fork, "── start method fork\nFAIL 99-which-method") ||
		!strings.Contains(fork, "example: check failed: exactly 1 process started by spawn start (found 0 processes") ||
		!strings.Contains(spawn, "ok   99-which-method") {
		t.Errorf("reports:\n%s", out)
	}

	t.Run("AWrongAnswerThatPassesFails", func(t *testing.T) {
		files := map[string]string{}
		for k, v := range methodLesson {
			files[k] = v
		}
		files["task.wrong-also-spawns.py"] = childProgram(`"spawn"`)
		dir := writeLessonDir(t, "99-which-method", files)
		var out, errb bytes.Buffer
		code := lessonsCheck([]string{"check", slowMachineTimeout, "--start-method=spawn", "--lesson=which-method", dir}, &out, &errb)
		if code != 1 || !strings.Contains(out.String(), "task wrong-also-spawns: this wrong answer passes every check") ||
			strings.Contains(out.String(), "wrong-forks") {
			t.Errorf("exit %d\n%s%s", code, out.String(), errb.String())
		}
	})

	t.Run("BadUsage", func(t *testing.T) {
		for _, args := range [][]string{
			{"check", "--start-method", "threads"},
			{"check", "--lesson", "no-such-lesson"},
			{"verify"},
		} {
			var out, errb bytes.Buffer
			if code := lessonsCheck(args, &out, &errb); code != 2 {
				t.Errorf("%v: exit %d, want 2\n%s", args, code, errb.String())
			}
		}
	})
}

// lessons try judges one program as the page does: a verdict line per
// check, in the language asked for, exit 0 when all passed.
func TestLessonsTry(t *testing.T) {
	requireSandbox(t)
	try := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		if len(args) > 2 {
			args = append([]string{slowMachineTimeout}, args...)
		}
		code := lessonsTry(args, &out, &errb)
		return code, out.String() + errb.String()
	}
	// Pids that no process of a run has (a run counts its pids from 1 and
	// may not start more than a few dozen processes): a hard-coded small
	// pid could be the real one by chance.
	hardCoded := writeProgram(t, `import os
from multiprocessing import Process, current_process


def introduce():
    print(f"name={current_process().name} pid=99999 ppid=99998", flush=True)


if __name__ == "__main__":
    children = [Process(target=introduce, name=n) for n in ("left", "right")]
    for p in children:
        p.start()
    for p in children:
        p.join()
`)
	code, out := try("who-am-i", "left-and-right", hardCoded)
	for _, want := range []string{
		"Name your processes\n",
		"the run ended ok: ",
		"✓ two processes start, named left and right — found 2 processes, wanted exactly 2",
		// left or right, whichever printed first
		"✗ the pid and ppid printed are the real ones of the process that prints them — \"name=",
		" pid=99999 ppid=99998\" prints pid 99999, but ",
		"not all checks passed: 4 of 5",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("a wrong answer: exit %d, want 1", code)
	}

	real := strings.ReplaceAll(strings.ReplaceAll(readFile(t, hardCoded), "pid=99999", "pid={os.getpid()}"), "ppid=99998", "ppid={os.getppid()}")
	code, out = try("--lang", "zh", "--start-method", "forkserver", "who-am-i", "left-and-right", writeProgram(t, real))
	if code != 0 || !strings.Contains(out, "给进程起名字\n") || !strings.Contains(out, "✓ 打印出的 pid 和 ppid 正是打印它们的那个进程的真实值") ||
		!strings.HasSuffix(out, "✓ 全部检查通过\n") {
		t.Errorf("the right answer in Chinese: exit %d\n%s", code, out)
	}

	for _, args := range [][]string{
		{"no-such-lesson", "x", hardCoded},
		{"who-am-i", "no-such-exercise", hardCoded},
		{"who-am-i", "left-and-right"},
		{"--lang", "fr", "who-am-i", "left-and-right", hardCoded},
		{"--start-method", "threads", "who-am-i", "left-and-right", hardCoded},
		{"who-am-i", "left-and-right", filepath.Join(t.TempDir(), "missing.py")},
	} {
		if code, out := try(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, out)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
