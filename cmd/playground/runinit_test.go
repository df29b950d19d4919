package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `playground run` starts from internal/cli's init, before the packages
// only the server needs are initialised: GODEBUG=inittrace=1 prints a line
// for each package initialised, and none of theirs may be among a run's.
// `playground help` goes through main, after all of them, which shows the
// check can see them.
func TestRunStartsBeforeTheServersPackages(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "playground")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v: %s", err, out)
	}
	initialised := func(args ...string) map[string]bool {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		out, _ := cmd.CombinedOutput()
		pkgs := map[string]bool{}
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "init" && strings.HasPrefix(f[2], "@") {
				pkgs[f[1]] = true
			}
		}
		return pkgs
	}
	servers := []string{"mpplayground/lessons", "mpplayground/store", "mpplayground/web",
		"github.com/mattn/go-sqlite3", "github.com/yuin/goldmark",
		"github.com/prometheus/client_golang/prometheus", "github.com/nats-io/nats-server/v2/server"}
	help, run := initialised("help"), initialised("run", "-h")
	if !run["mpplayground/runner"] {
		t.Fatalf("`playground run -h` did not initialise the runner: %v", run)
	}
	for _, pkg := range servers {
		if !help[pkg] {
			t.Errorf("`playground help` did not initialise %s", pkg)
		}
		if run[pkg] {
			t.Errorf("`playground run` initialised %s, a package only the server needs", pkg)
		}
	}
}
