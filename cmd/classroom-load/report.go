// The outcome of a load: the learners' results summed up, judged against
// the floors and printed, and the messages of failed runs kept.

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Floors for a classroom (issue 7): every run completes without error,
// the slowest learners wait no more than floorCompletionFactor times the
// machine's ideal (all the CPU work spread over every core), and the
// server process stays under floorRSSBytes.
const (
	floorCompletionFactor = 1.3
	floorRSSBytes         = 200 << 20
)

// report is the outcome of one load.
type report struct {
	Server  string `json:"server"`
	Lesson  string `json:"lesson"`
	Clients int    `json:"clients"`
	Spread  string `json:"spread"`
	Cores   int    `json:"cores"`

	Completed  int            `json:"completed"`
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	Wall       float64        `json:"wall_ms"` // first press to last run.end

	CompletionP50 float64 `json:"completion_p50_ms"`
	CompletionP95 float64 `json:"completion_p95_ms"`
	CompletionMax float64 `json:"completion_max_ms"`
	WaitP50       float64 `json:"wait_p50_ms"` // Run pressed -> run.start
	WaitP95       float64 `json:"wait_p95_ms"`
	WaitMax       float64 `json:"wait_max_ms"`
	Queued        int     `json:"queued"`
	Overtaken     int     `json:"overtaken"` // runs that started more than fairnessSlack after one pressed later
	MaxPlace      int     `json:"max_queue_place"`
	RunP50        float64 `json:"run_duration_p50_ms"`
	RunP95        float64 `json:"run_duration_p95_ms"`

	BaselineRunCPU cpuTimes `json:"baseline_run_cpu"` // one run alone
	LoadCPU        cpuTimes `json:"load_cpu"`         // the whole load
	MachineCPU     float64  `json:"machine_cpu_s"`    // every process of the machine, during the load
	IdealMS        float64  `json:"ideal_ms"`         // N x baseline CPU / cores
	// The other reading of "the work of a run": the time it holds a slot
	// when run alone (Run pressed -> run.end, nothing else running). With
	// one run per core at once, N runs take N x that / cores.
	BaselineRunMS    float64 `json:"baseline_run_ms"`
	SlotIdealMS      float64 `json:"slot_ideal_ms"` // N x baseline run time / cores
	SlotFloorMet     bool    `json:"slot_floor_met"`
	ServerPeakRSSMiB float64 `json:"server_peak_rss_mib"`
	ServerHWMMiB     float64 `json:"server_hwm_mib"`

	FloorMet bool     `json:"floor_met"`
	Missed   []string `json:"missed,omitempty"`
}

// summarise sums up the learners' results and judges them against the
// floors.
func (r *report) summarise(results []result) {
	r.count(results)
	r.judge()
}

// count counts the runs, queued, failed and completed, and takes the
// percentiles of the completed ones.
func (r *report) count(results []result) {
	var done, wait, dur []float64
	r.ErrorKinds = map[string]int{}
	for _, x := range results {
		if x.Queued {
			r.Queued++
		}
		r.MaxPlace = max(r.MaxPlace, x.MaxPlace)
		if x.Err != "" {
			r.Errors++
			r.ErrorKinds[x.Err]++
			continue
		}
		r.Completed++
		done = append(done, ms(x.Completion))
		wait = append(wait, ms(x.Wait))
		dur = append(dur, ms(x.Duration))
	}
	r.Overtaken = overtaken(results)
	r.CompletionP50, r.CompletionP95, r.CompletionMax = percentile(done, 50), percentile(done, 95), percentile(done, 100)
	r.WaitP50, r.WaitP95, r.WaitMax = percentile(wait, 50), percentile(wait, 95), percentile(wait, 100)
	r.RunP50, r.RunP95 = percentile(dur, 50), percentile(dur, 95)
}

// judge compares the counted figures with the floors, by CPU work and by
// run time.
func (r *report) judge() {
	cpu := r.BaselineRunCPU.total() * float64(r.Clients)
	r.IdealMS = cpu / float64(r.Cores) * 1000
	if r.Errors > 0 || r.Completed != r.Clients {
		r.Missed = append(r.Missed, fmt.Sprintf("%d of %d runs failed", r.Errors, r.Clients))
	}
	if r.IdealMS > 0 && r.CompletionP95 > floorCompletionFactor*r.IdealMS {
		r.Missed = append(r.Missed, fmt.Sprintf("p95 completion %.0f ms > %.1f x %.0f ms", r.CompletionP95, floorCompletionFactor, r.IdealMS))
	}
	if hwm := max(r.ServerHWMMiB, r.ServerPeakRSSMiB); hwm > floorRSSBytes>>20 {
		r.Missed = append(r.Missed, fmt.Sprintf("server RSS %.0f MiB > %d MiB", hwm, floorRSSBytes>>20))
	}
	r.FloorMet = len(r.Missed) == 0
	r.SlotIdealMS = r.BaselineRunMS * float64(r.Clients) / float64(r.Cores)
	r.SlotFloorMet = r.SlotIdealMS > 0 && r.Errors == 0 && r.Completed == r.Clients &&
		r.CompletionP95 <= floorCompletionFactor*r.SlotIdealMS
}

// fairnessSlack is how much later than a later presser a run may start
// before it counts as overtaken: two presses a few milliseconds apart may
// reach the server in either order.
const fairnessSlack = 100 * time.Millisecond

// overtaken counts the learners whose run started more than fairnessSlack
// after the run of someone who pressed Run after them: a first-come,
// first-served queue has none.
func overtaken(results []result) int {
	n := 0
	for _, a := range results {
		if a.Started.IsZero() {
			continue
		}
		for _, b := range results {
			if !b.Started.IsZero() && b.Pressed.After(a.Pressed) && a.Started.Sub(b.Started) > fairnessSlack {
				n++
				break
			}
		}
	}
	return n
}

// percentile is the nearest-rank percentile p of xs (p = 100: the max).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "%d learners ran %q within %s on %s (%d cores)\n", r.Clients, r.Lesson, r.Spread, r.Server, r.Cores)
	fmt.Fprintf(w, "completed      %d, errors %d, all done after %.0f ms\n", r.Completed, r.Errors, r.Wall)
	for k, n := range r.ErrorKinds {
		fmt.Fprintf(w, "  %d x %s\n", n, k)
	}
	fmt.Fprintf(w, "completion     p50 %.0f ms, p95 %.0f ms, max %.0f ms (Run pressed -> run.end)\n", r.CompletionP50, r.CompletionP95, r.CompletionMax)
	fmt.Fprintf(w, "queue wait     p50 %.0f ms, p95 %.0f ms, max %.0f ms (Run pressed -> run.start); %d queued, worst place %d, %d overtaken\n", r.WaitP50, r.WaitP95, r.WaitMax, r.Queued, r.MaxPlace, r.Overtaken)
	fmt.Fprintf(w, "run duration   p50 %.0f ms, p95 %.0f ms (run.end duration_ms)\n", r.RunP50, r.RunP95)
	if b := r.BaselineRunCPU; b.total() > 0 {
		fmt.Fprintf(w, "CPU of one run %.0f ms alone (runs' processes %.0f ms + server %.0f ms)\n", b.total()*1000, b.Runs*1000, b.Server*1000)
		fmt.Fprintf(w, "ideal          %.0f ms = %d runs x %.0f ms / %d cores; floor p95 <= %.0f ms\n", r.IdealMS, r.Clients, b.total()*1000, r.Cores, floorCompletionFactor*r.IdealMS)
	}
	if r.SlotIdealMS > 0 {
		met := "met"
		if !r.SlotFloorMet {
			met = "missed"
		}
		fmt.Fprintf(w, "one run alone  %.0f ms (Run pressed -> run.end); by run time: ideal %.0f ms = %d runs x %.0f ms / %d cores; p95 <= %.0f ms %s\n",
			r.BaselineRunMS, r.SlotIdealMS, r.Clients, r.BaselineRunMS, r.Cores, floorCompletionFactor*r.SlotIdealMS, met)
	}
	if l := r.LoadCPU; l.total() > 0 {
		fmt.Fprintf(w, "CPU under load %.0f ms in all (runs' processes %.0f ms + server %.0f ms), %.0f ms a run; the cores were %.0f%% busy with it\n",
			l.total()*1000, l.Runs*1000, l.Server*1000, l.total()*1000/float64(r.Clients), 100*l.total()*1000/(r.Wall*float64(r.Cores)))
	}
	if l := r.LoadCPU; l.total() > 0 && r.MachineCPU > l.total() {
		fmt.Fprintf(w, "other processes used %.0f ms of CPU meanwhile (%.0f%% of the cores)\n",
			(r.MachineCPU-l.total())*1000, 100*(r.MachineCPU-l.total())*1000/(r.Wall*float64(r.Cores)))
	}
	if r.ServerHWMMiB > 0 {
		fmt.Fprintf(w, "server memory  peak RSS %.1f MiB (VmHWM %.1f MiB)\n", r.ServerPeakRSSMiB, r.ServerHWMMiB)
	}
	if r.FloorMet {
		fmt.Fprintln(w, "floor          met")
	} else {
		fmt.Fprintf(w, "floor          MISSED: %s\n", strings.Join(r.Missed, "; "))
	}
}

// writeFailures writes the messages each failed learner received, one
// JSON value a line, to DIR/learner-N.jsonl.
func writeFailures(dir string, results []result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, r := range results {
		if r.Err == "" {
			continue
		}
		var b bytes.Buffer
		for _, e := range r.Events {
			b.Write(e)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("learner-%d.jsonl", i+1)), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
