// Command classroom-load measures the server under a classroom's load: N
// learners press Run on the same lesson within a few seconds, each over
// its own WebSocket, and the command reports how long they waited, how
// many runs failed and how much memory the server needed.
//
//	go run ./cmd/classroom-load [flags] [-- SERVER FLAGS]
//
// Without --url it builds ./cmd/playground, starts it on a free port with
// a fresh database and the SERVER FLAGS, and measures its memory and the
// CPU time of every run; with --url it loads a running server (give --pid
// for its memory and CPU figures). It exits 1 when a floor is missed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/lessons"
)

// Floors for a classroom (issue 7): every run completes without error,
// the slowest learners wait no more than floorCompletionFactor times the
// machine's ideal (all the CPU work spread over every core), and the
// server process stays under floorRSSBytes.
const (
	floorCompletionFactor = 1.3
	floorRSSBytes         = 200 << 20
)

// Defaults of the flags.
const (
	defaultClients  = 60
	defaultSpread   = 2 * time.Second
	defaultLesson   = "pool-map"
	defaultBaseline = 5
	// clientTimeout bounds one learner's wait for run.end.
	clientTimeout = 5 * time.Minute
	// serverStartTimeout bounds the wait for the started server's address.
	serverStartTimeout = 30 * time.Second
	// rssSampleEvery is how often the server's resident memory is read.
	rssSampleEvery = 50 * time.Millisecond
	// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat
	// (100 on every Linux architecture Go supports).
	clockTicks = 100
)

type options struct {
	clients  int
	spread   time.Duration
	lesson   string
	url      string
	pid      int
	baseline int
	seed     uint64
	asJSON   bool
	failures string   // folder for the messages of failed runs
	binary   string   // a built playground binary; "" builds ./cmd/playground
	server   []string // flags for a server this command starts
}

func main() {
	var o options
	fs := flag.NewFlagSet("classroom-load", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: classroom-load [flags] [-- SERVER FLAGS]\n\n"+
			"N WebSocket clients press Run on a lesson's example within --spread; reports completion\n"+
			"times, queue wait, errors and the server's memory. Exits 1 when a floor is missed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.clients, "n", defaultClients, "learners pressing Run")
	fs.DurationVar(&o.spread, "spread", defaultSpread, "the presses are spread at random over this time")
	fs.StringVar(&o.lesson, "lesson", defaultLesson, "slug of the lesson whose example is run")
	fs.StringVar(&o.url, "url", "", "load this running server (e.g. http://localhost:8080) instead of starting one")
	fs.StringVar(&o.binary, "server", "", "playground binary to start (default: build ./cmd/playground; run from the module)")
	fs.IntVar(&o.pid, "pid", 0, "with --url: the server's process id, for its memory and CPU time")
	fs.IntVar(&o.baseline, "baseline", defaultBaseline, "runs of the example one after another, before the load, to measure the CPU work of one run")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random press times")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&o.failures, "failures", "", "write what the learners of failed runs received to files in this folder")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	o.server = fs.Args()
	if o.clients < 1 || o.spread < 0 || o.baseline < 0 {
		fmt.Fprintln(os.Stderr, "classroom-load: -n must be positive, -spread and -baseline not negative")
		os.Exit(2)
	}
	rep, err := run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classroom-load:", err)
		os.Exit(1)
	}
	if o.asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		rep.print(os.Stdout)
	}
	if !rep.FloorMet {
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (*report, error) {
	course, err := lessons.Load("")
	if err != nil {
		return nil, err
	}
	lesson, ok := course.Lesson(o.lesson)
	if !ok {
		return nil, fmt.Errorf("no built-in lesson %q", o.lesson)
	}
	base, pid := o.url, o.pid
	if base == "" {
		srv, err := startServer(ctx, o.binary, o.server)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		base, pid = srv.url, srv.cmd.Process.Pid
	}
	wsURL, err := websocketURL(base)
	if err != nil {
		return nil, err
	}
	rep := &report{Clients: o.clients, Spread: o.spread.String(), Lesson: o.lesson, Cores: runtime.NumCPU(), Server: base}

	// The CPU work of one run, measured alone: the CPU time of the runs'
	// processes (the sandbox's init and every Python process, which the
	// server reaps and so accounts as its children's time) plus the
	// server's own, over a few runs one after another.
	if o.baseline > 0 && pid > 0 {
		before, err := readCPU(pid)
		if err != nil {
			return nil, err
		}
		var alone time.Duration
		for i := 0; i < o.baseline; i++ {
			r := learner(ctx, wsURL, o.lesson, lesson.Example, 0)
			if r.Err != "" {
				return nil, fmt.Errorf("baseline run %d: %s", i+1, r.Err)
			}
			alone += r.Completion
		}
		rep.BaselineRunMS = ms(alone) / float64(o.baseline)
		after, err := readCPU(pid)
		if err != nil {
			return nil, err
		}
		rep.BaselineRunCPU = after.sub(before).div(o.baseline)
	}

	var mem memorySampler
	if pid > 0 {
		mem.start(pid)
	}
	cpuBefore, cpuErr := readCPU(pid)
	machineBefore, machineErr := readMachineBusy()
	rng := rand.New(rand.NewPCG(o.seed, 0))
	results := make([]result, o.clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range results {
		delay := time.Duration(0)
		if o.spread > 0 {
			delay = time.Duration(rng.Int64N(int64(o.spread)))
		}
		wg.Go(func() { results[i] = learner(ctx, wsURL, o.lesson, lesson.Example, delay) })
	}
	wg.Wait()
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
	rep.summarise(results)
	if o.failures != "" {
		if err := writeFailures(o.failures, results); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// result is what one learner saw.
type result struct {
	Completion time.Duration // Run pressed -> run.end received
	Wait       time.Duration // Run pressed -> run.start received
	Duration   time.Duration // the run's own duration_ms
	Queued     bool          // a "queued" message came
	MaxPlace   int           // the worst place in the queue
	Status     string        // run.end status
	Err        string        // what went wrong, "" when the run ended ok
	Pressed    time.Time     // when Run was pressed
	Started    time.Time     // when run.start arrived
	Events     []json.RawMessage
}

// learner waits delay, connects, presses Run with code and reads until
// run.end.
func learner(ctx context.Context, wsURL, slug, code string, delay time.Duration) (r result) {
	time.Sleep(delay)
	ctx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		r.Err = "connect: " + err.Error()
		return r
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetReadDeadline(deadline)
	msg, _ := json.Marshal(map[string]string{"type": "run", "lesson": slug, "code": code})
	pressed := time.Now()
	r.Pressed = pressed
	if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		r.Err = "send: " + err.Error()
		return r
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			r.Err = "read before run.end: " + err.Error()
			return r
		}
		now := time.Now()
		for _, raw := range splitMessage(data) {
			r.Events = append(r.Events, raw)
			var m struct {
				Type       string   `json:"type"`
				Position   int      `json:"position"`
				Status     string   `json:"status"`
				Message    string   `json:"message"`
				DurationMS *float64 `json:"duration_ms"`
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				r.Err = "a message that is not JSON: " + err.Error()
				return r
			}
			switch m.Type {
			case "queued":
				r.Queued = true
				r.MaxPlace = max(r.MaxPlace, m.Position)
			case "error":
				r.Err = "server error: " + m.Message
				return r
			case "run.start":
				r.Wait = now.Sub(pressed)
				r.Started = now
			case "run.end":
				r.Completion = now.Sub(pressed)
				r.Status = m.Status
				if m.DurationMS != nil {
					r.Duration = time.Duration(*m.DurationMS * float64(time.Millisecond))
				}
				if m.Status != "ok" {
					r.Err = fmt.Sprintf("run ended %s: %s", m.Status, m.Message)
				}
				return r
			}
		}
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

// splitMessage returns the JSON objects of one WebSocket message: the
// server sends one object, or several as an array.
func splitMessage(data []byte) []json.RawMessage {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '[' {
		var all []json.RawMessage
		if json.Unmarshal(t, &all) == nil {
			return all
		}
	}
	return []json.RawMessage{t}
}

func websocketURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--url %q is not a server address like http://localhost:8080", base)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = "/ws"
	return u.String(), nil
}

// server is a playground server started by this command.
type server struct {
	cmd *exec.Cmd
	dir string
	url string
}

// startServer starts bin (or builds ./cmd/playground when bin is "") and
// serves on a free port with a database of its own; the address is read
// from its JSON log.
func startServer(ctx context.Context, bin string, flags []string) (*server, error) {
	dir, err := os.MkdirTemp("", "classroom-load-")
	if err != nil {
		return nil, err
	}
	if bin == "" {
		bin = filepath.Join(dir, "playground")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "mpplayground/cmd/playground")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("build the server (run this command from the module, or give --server): %w", err)
		}
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "playground.db"), "--log-format", "json"}, flags...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start the server: %w", err)
	}
	s := &server{cmd: cmd, dir: dir}
	found := make(chan string, 1)
	go func() {
		// Read the log to the end, so the server never blocks on it;
		// warnings and errors are passed on.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct {
				Level string `json:"level"`
				URL   string `json:"url"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Level != "INFO" {
				fmt.Fprintf(os.Stderr, "server: %s\n", sc.Bytes())
			}
			if line.URL != "" {
				select {
				case found <- line.URL:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		s.url = strings.Replace(u, "localhost", "127.0.0.1", 1)
	case <-time.After(serverStartTimeout):
		s.stop()
		return nil, errors.New("the server did not say its address in time")
	}
	if err := waitHealthy(s.url); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func waitHealthy(base string) error {
	deadline := time.Now().Add(serverStartTimeout)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server is not healthy: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(s.dir)
}

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

func (r *report) summarise(results []result) {
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
