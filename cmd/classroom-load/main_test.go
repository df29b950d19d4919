package main

import (
	"os"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for p, want := range map[float64]float64{50: 5, 95: 10, 90: 9, 100: 10, 10: 1} {
		if got := percentile(xs, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 95) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

func TestSplitMessageReadsObjectsAndArrays(t *testing.T) {
	if n := len(splitMessage([]byte(`{"type":"queued","position":3}`))); n != 1 {
		t.Errorf("one object split into %d", n)
	}
	if n := len(splitMessage([]byte(`[{"type":"output"},{"type":"run.end"}]`))); n != 2 {
		t.Errorf("array of two split into %d", n)
	}
}

func TestProcessFiguresOfThisProcess(t *testing.T) {
	rss, hwm, err := readMemory(os.Getpid())
	if err != nil || rss <= 0 || hwm < rss {
		t.Errorf("memory: rss %v MiB, hwm %v MiB, %v", rss, hwm, err)
	}
	if _, err := readCPU(os.Getpid()); err != nil {
		t.Errorf("cpu: %v", err)
	}
}

func TestFloor(t *testing.T) {
	ok := []result{{Completion: 1e9, Wait: 1e6, Duration: 9e8, Status: "ok"}, {Completion: 2e9, Status: "ok"}}
	r := &report{Clients: 2, Cores: 2, BaselineRunCPU: cpuTimes{Runs: 1.5, Server: 0.5}, ServerHWMMiB: 50}
	r.summarise(ok)
	if !r.FloorMet || r.IdealMS != 2000 {
		t.Errorf("p95 2 s against an ideal of %v ms: floor met %v, missed %v", r.IdealMS, r.FloorMet, r.Missed)
	}
	r = &report{Clients: 2, Cores: 2, BaselineRunCPU: cpuTimes{Runs: 1}, ServerHWMMiB: 250}
	r.summarise([]result{ok[0], {Err: "run ended error: boom"}})
	if r.FloorMet || len(r.Missed) != 2 || r.Errors != 1 {
		t.Errorf("an error and 250 MiB: floor met %v, missed %v", r.FloorMet, r.Missed)
	}
}

func TestOvertakenCountsRunsStartedAfterALaterPress(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	fifo := []result{{Pressed: at(0), Started: at(10)}, {Pressed: at(5), Started: at(700)}, {Pressed: at(6), Started: at(650)}}
	if n := overtaken(fifo); n != 0 {
		t.Errorf("presses 1 ms apart starting 50 ms apart: %d overtaken, want 0", n)
	}
	unfair := []result{{Pressed: at(0), Started: at(900)}, {Pressed: at(300), Started: at(310)}, {Pressed: at(400)}}
	if n := overtaken(unfair); n != 1 {
		t.Errorf("%d overtaken, want 1", n)
	}
}

func TestFloorByRunTime(t *testing.T) {
	done := []result{{Completion: 20e9, Status: "ok"}, {Completion: 25e9, Status: "ok"}}
	r := &report{Clients: 2, Cores: 2, BaselineRunMS: 700, ServerHWMMiB: 50}
	r.summarise(done)
	if r.SlotIdealMS != 700 {
		t.Fatalf("2 runs of 700 ms on 2 cores: slot ideal %v ms", r.SlotIdealMS)
	}
	if r.SlotFloorMet {
		t.Errorf("p95 25 s against a slot ideal of 0.7 s: met")
	}
	r = &report{Clients: 2, Cores: 1, BaselineRunMS: 10000}
	r.summarise(done)
	if !r.SlotFloorMet || r.SlotIdealMS != 20000 {
		t.Errorf("p95 25 s against 1.3 x 20 s: met %v (ideal %v)", r.SlotFloorMet, r.SlotIdealMS)
	}
}
