// What the server costs, read from /proc: the CPU time of the server and
// of its runs, the machine's busy time and the server's memory.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// rssSampleEvery is how often the server's resident memory is read.
	rssSampleEvery = 50 * time.Millisecond
	// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat
	// (100 on every Linux architecture Go supports).
	clockTicks = 100
)

// cpuTimes are a process's CPU times from /proc/PID/stat, in seconds:
// its own, and its reaped children's (the runs' processes).
type cpuTimes struct {
	Server float64 `json:"server_s"`
	Runs   float64 `json:"runs_s"`
}

func (c cpuTimes) sub(d cpuTimes) cpuTimes { return cpuTimes{c.Server - d.Server, c.Runs - d.Runs} }
func (c cpuTimes) div(n int) cpuTimes {
	return cpuTimes{c.Server / float64(n), c.Runs / float64(n)}
}
func (c cpuTimes) total() float64 { return c.Server + c.Runs }

func readCPU(pid int) (cpuTimes, error) {
	if pid <= 0 {
		return cpuTimes{}, errors.New("no server process")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTimes{}, err
	}
	// The command name (field 2) may hold spaces; fields after it are
	// counted from its closing parenthesis: utime is field 14.
	rest := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(rest) < 15 {
		return cpuTimes{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	f := make([]float64, 4)
	for i := range f {
		n, err := strconv.ParseInt(rest[11+i], 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		f[i] = float64(n) / clockTicks
	}
	return cpuTimes{Server: f[0] + f[1], Runs: f[2] + f[3]}, nil
}

// readMachineBusy returns the CPU time, in seconds, that all the
// machine's cores spent on anything but idling, from /proc/stat: what
// other processes take during a load is the difference from our own.
func readMachineBusy() (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, errors.New("/proc/stat: no cpu line")
	}
	var busy int64
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		// idle and iowait are the 4th and 5th; guest time is already
		// counted in user and nice.
		if i != 3 && i != 4 && i < 8 {
			busy += n
		}
	}
	return float64(busy) / clockTicks, nil
}

// memorySampler follows the server's resident memory during the load.
type memorySampler struct {
	pid     int
	done    chan struct{}
	wg      sync.WaitGroup
	peakMiB float64 // the largest VmRSS sampled
	hwmMiB  float64 // VmHWM at the end: the kernel's own peak
}

func (m *memorySampler) start(pid int) {
	m.pid, m.done = pid, make(chan struct{})
	m.wg.Go(func() {
		t := time.NewTicker(rssSampleEvery)
		defer t.Stop()
		for {
			if rss, _, err := readMemory(pid); err == nil {
				m.peakMiB = max(m.peakMiB, rss)
			}
			select {
			case <-m.done:
				return
			case <-t.C:
			}
		}
	})
}

func (m *memorySampler) stop() {
	close(m.done)
	m.wg.Wait()
	if rss, hwm, err := readMemory(m.pid); err == nil {
		m.peakMiB = max(m.peakMiB, rss)
		m.hwmMiB = hwm
	}
}

// readMemory returns VmRSS and VmHWM of a process in MiB.
func readMemory(pid int) (rss, hwm float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, k, err)
		}
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			hwm = kb / 1024
		}
	}
	return rss, hwm, nil
}
