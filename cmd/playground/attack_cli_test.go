package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpplayground/internal/testload"
)

// `playground run` started from a shell that left a directory descriptor
// open: the program must not reach the host's files through it.
func TestRunGivesTheProgramNoInheritedDescriptor(t *testing.T) {
	requireSandbox(t)
	secretDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(secretDir, "secret.txt"), []byte("host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir, err := os.Open(secretDir)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	program := `import os
for fd in range(3, 64):
    try:
        names = os.listdir(fd)
        print('ESCAPED listed', fd, names)
        print('ESCAPED read', open(os.open('secret.txt', os.O_RDONLY, dir_fd=fd)).read())
    except OSError:
        pass
print('no descriptor of the host')
`
	cmd := playgroundCommand(t, "run", "--stdin=false", writeProgram(t, program))
	// fd 9 of the CLI, not close-on-exec (3, 4 and 5 of the init are its
	// pipes to the runner: a stray there is replaced anyway).
	cmd.ExtraFiles = []*os.File{nil, nil, nil, nil, nil, nil, dir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.Contains(string(out), "ESCAPED") || !strings.Contains(string(out), "no descriptor of the host") {
		t.Errorf("the program reached the CLI's inherited descriptor:\n%s", out)
	}
}

// Ctrl-C ends `playground run` within a second or so, whatever the program
// does, its output written in one large piece included.
func TestRunStopsOnInterrupt(t *testing.T) {
	requireSandbox(t)
	program := "import os, time\nos.write(1, b'x' * (1 << 19))\nprint('\\nstarted', flush=True)\ntime.sleep(60)\n"
	cmd := playgroundCommand(t, "run", "--stdin=false", "--output-limit", "4MiB", writeProgram(t, program))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<21)
	for sc.Scan() {
		if strings.HasSuffix(sc.Text(), "started") {
			break
		}
	}
	interrupted := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	_ = cmd.Wait()
	took := time.Since(interrupted)
	if bound := testload.Scaled(t, 2*time.Second, 40); took > bound {
		t.Errorf("the CLI took %v to stop after Ctrl-C (bound %v)", took, bound)
	}
	if !strings.Contains(rest.String(), "Stopped before the program finished.") {
		t.Errorf("no plain sentence after Ctrl-C:\n%s", rest.String())
	}
}
