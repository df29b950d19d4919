// Package testload measures how busy the machine running the tests is, so
// that a test's time bounds hold on a loaded laptop or CI host as well as
// on a quiet one: a bound is a floor on a quiet machine and grows with the
// measured cost of a unit of work. Only tests import it.
package testload

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	mu       sync.Mutex
	python   string        // the real interpreter, "" until found
	unit     time.Duration // the last measure
	worst    time.Duration // the slowest measure so far
	measured time.Time     // when it was taken
)

// quietUnit is what Unit assumes when it cannot measure (no python3).
const quietUnit = 50 * time.Millisecond

// remeasureAfter is how long a measure holds: the load of a machine changes
// while a package's tests run for minutes, and a bound set from a measure
// taken on a quiet start would not hold once other work arrives.
const remeasureAfter = 20 * time.Second

// Unit is the best of three starts of `python3 -I -c pass`, measured again
// when the last measure is older than remeasureAfter: the unit of work of
// every run, as slow as the machine is busy now (about 20 ms on a quiet
// 2-core machine). It times the real interpreter, as the runner calls it:
// python3 on PATH may be a shim script (pyenv's) that costs many times the
// interpreter's own start.
func Unit(tb testing.TB) time.Duration {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !measured.IsZero() && time.Since(measured) < remeasureAfter {
		return unit
	}
	measured = time.Now()
	if python == "" {
		out, err := exec.Command("python3", "-I", "-c", "import os, sys; print(os.path.realpath(sys.executable))").Output()
		if err != nil {
			unit = quietUnit
			return unit
		}
		python = strings.TrimSpace(string(out))
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		if err := exec.Command(python, "-I", "-c", "pass").Run(); err != nil {
			unit = quietUnit
			return unit
		}
		best = min(best, time.Since(start))
	}
	if unit == 0 || best.Round(10*time.Millisecond) != unit.Round(10*time.Millisecond) {
		tb.Logf("calibration: %s starts and ends in %v on this machine now", python, best.Round(time.Millisecond))
	}
	unit = best
	worst = max(worst, best)
	return unit
}

// Worst is the slowest Unit measured so far by this test binary (or the
// quiet unit before any): for a bound that must outlast every time bound
// set earlier from Scaled, such as a client's patience with a run whose
// wall time was scaled when the machine was at its busiest.
func Worst() time.Duration {
	mu.Lock()
	defer mu.Unlock()
	return max(worst, quietUnit)
}

// Scaled is floor on a quiet machine, or units times Unit when that is
// longer.
func Scaled(tb testing.TB, floor time.Duration, units int) time.Duration {
	tb.Helper()
	return max(floor, time.Duration(units)*Unit(tb))
}
