// The two phases of a load: the baseline, runs one after another that
// give the work of one run, and the class, every learner at once.

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// measureBaseline measures the CPU work of one run alone: the CPU time of
// the runs' processes (the sandbox's init and every Python process, which
// the server reaps and so accounts as its children's time) plus the
// server's own, over a few runs one after another.
func measureBaseline(ctx context.Context, wsURL string, o options, code string, pid int, rep *report) error {
	before, err := readCPU(pid)
	if err != nil {
		return err
	}
	var alone time.Duration
	for i := 0; i < o.baseline; i++ {
		r := learner(ctx, wsURL, o.lesson, code, 0)
		if r.Err != "" {
			return fmt.Errorf("baseline run %d: %s", i+1, r.Err)
		}
		alone += r.Completion
	}
	rep.BaselineRunMS = ms(alone) / float64(o.baseline)
	after, err := readCPU(pid)
	if err != nil {
		return err
	}
	rep.BaselineRunCPU = after.sub(before).div(o.baseline)
	return nil
}

// loadClass has o.clients learners press Run within o.spread and returns
// what each saw; the wall time, the machine's CPU time and, with a pid,
// the server's memory and CPU time during the load go into rep.
func loadClass(ctx context.Context, wsURL string, o options, code string, pid int, rep *report) []result {
	var mem memorySampler
	if pid > 0 {
		mem.start(pid)
	}
	cpuBefore, cpuErr := readCPU(pid)
	machineBefore, machineErr := readMachineBusy()
	start := time.Now()
	results := pressRun(ctx, wsURL, o, code)
	rep.Wall = ms(time.Since(start))
	if after, err := readMachineBusy(); err == nil && machineErr == nil {
		rep.MachineCPU = after - machineBefore
	}
	if pid > 0 {
		mem.stop()
		rep.ServerPeakRSSMiB, rep.ServerHWMMiB = mem.peakMiB, mem.hwmMiB
		if cpuErr == nil {
			if after, err := readCPU(pid); err == nil {
				rep.LoadCPU = after.sub(cpuBefore)
			}
		}
	}
	return results
}

// pressRun starts o.clients learners, each after a random delay within
// o.spread drawn from o.seed, and waits for all of them.
func pressRun(ctx context.Context, wsURL string, o options, code string) []result {
	rng := rand.New(rand.NewPCG(o.seed, 0))
	results := make([]result, o.clients)
	var wg sync.WaitGroup
	for i := range results {
		delay := time.Duration(0)
		if o.spread > 0 {
			delay = time.Duration(rng.Int64N(int64(o.spread)))
		}
		wg.Go(func() { results[i] = learner(ctx, wsURL, o.lesson, code, delay) })
	}
	wg.Wait()
	return results
}
