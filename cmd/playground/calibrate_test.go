package main

import (
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Time bounds of these tests that the machine's load decides are derived
// from a calibration: how long this machine, as busy as it is now, takes
// to start and end a Python interpreter, the unit of work every run does.

var (
	calibrateOnce sync.Once
	pythonStartup time.Duration
)

// machineUnit is the best of three starts of `python3 -c pass`.
func machineUnit(t testing.TB) time.Duration {
	t.Helper()
	calibrateOnce.Do(func() {
		pythonStartup = time.Hour
		for range 3 {
			start := time.Now()
			if err := exec.Command("python3", "-c", "pass").Run(); err != nil {
				pythonStartup = 50 * time.Millisecond // no python3: the runs will say so
				return
			}
			pythonStartup = min(pythonStartup, time.Since(start))
		}
		t.Logf("calibration: python3 starts and ends in %v on this machine now", pythonStartup.Round(time.Millisecond))
	})
	return pythonStartup
}

// scaled is floor on a quiet machine, more on a busy one: units times the
// calibrated unit when that is longer.
func scaled(t testing.TB, floor time.Duration, units int) time.Duration {
	return max(floor, time.Duration(units)*machineUnit(t))
}
