package runner

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// A run whose init died before its program started ends with a sentence
// that says so and how, never with an exit code of a program that never
// ran.
func TestARunWhoseInitDiedSaysSo(t *testing.T) {
	ended := func(cmd *exec.Cmd, stderr string) string {
		t.Helper()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if cmd.Args[0] == "sleep" {
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
		return initLostMessage(&startedInit{cmd: cmd, initErr: bytes.NewBufferString(stderr)})
	}
	if m := ended(exec.Command("sleep", "60"), ""); m != "The sandbox stopped before the program started (signal: killed); run it again." {
		t.Errorf("killed: %q", m)
	}
	if m := ended(exec.Command("sh", "-c", "exit 3"), ""); !strings.Contains(m, "(exit status 3)") {
		t.Errorf("exit 3: %q", m)
	}
	if m := ended(exec.Command("sh", "-c", "exit 2"), "fatal error: out of memory\n"); m != "The sandbox stopped unexpectedly: fatal error: out of memory" {
		t.Errorf("with its last words: %q", m)
	}
}
