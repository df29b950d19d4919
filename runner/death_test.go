package runner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
)

// helperEnv makes the test binary act as a small server that starts one
// long run and reports "ready" once the run's program is up.
const helperEnv = "PLAYGROUND_TEST_LONG_RUN"

func TestMain(m *testing.M) {
	if marker := os.Getenv(helperEnv); marker != "" {
		r, err := New(Config{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		r.Run(context.Background(), Request{Program: []byte(`
import os, time
if os.fork() == 0:
    os.setsid()
    os.execv("/bin/sleep", ["sleep", "` + marker + `"])
time.sleep(1)
print("up", flush=True)
time.sleep(1000)
`)}, func(e event.Event) {
			if e.Type == event.TypeOutput && strings.Contains(e.Text, "up") {
				fmt.Println("ready")
			}
		})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// If the server dies, its runs die with it: nothing of the run is left a
// second after the server was killed with SIGKILL.
func TestRunsDieWithTheServer(t *testing.T) {
	testRunner(t)
	marker := fmt.Sprintf("%d.777", time.Now().UnixNano()%100000)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+marker)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		_ = cmd.Process.Kill()
		t.Fatalf("helper said %q", line)
	}
	if alive := pgrep("sleep " + marker); alive == "" {
		t.Fatalf("the run's daemon is not running before the kill")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(time.Second)
	for pgrep("sleep "+marker) != "" {
		if time.Now().After(deadline) {
			t.Fatalf("the run outlived its server by more than 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pgrep(pattern string) string {
	out, _ := exec.Command("pgrep", "-f", pattern).Output()
	return strings.TrimSpace(string(out))
}
