package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"

	"mpplayground/dispatch"
	"mpplayground/internal/pgtest"
	"mpplayground/store"
)

// The cluster on one machine, every part a process of its own: a
// PostgreSQL server, three NATS servers in a cluster, two web nodes and
// three workers of one slot each. `make cluster-test` runs it (the README's
// test command reaches it), on a build without the race detector.
func TestCluster(t *testing.T) {
	requireSandbox(t)
	var pg pgtest.Shared
	t.Cleanup(pg.Stop)
	dbURL := pg.NewDatabase(t)

	c := &cluster{t: t}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the logs of the cluster's processes:\n%s", c.logs())
		}
	})
	natsURLs := c.startNATS(3)
	webA := c.startWeb(dbURL, natsURLs)
	webB := c.startWeb(dbURL, natsURLs)
	for i := range 3 {
		c.startWorker(natsURLs, i)
	}
	var ids []string
	expect := map[string]string{} // run id -> status it must be stored with

	t.Run("NATSRefusesAClientWithoutTheToken", func(t *testing.T) {
		first, _, _ := strings.Cut(natsURLs, ",")
		if nc, err := nats.Connect(first); err == nil {
			nc.Close()
			t.Fatal("a client without the token was let in")
		}
		nc, err := nats.Connect(first, nats.Token(clusterToken))
		if err != nil {
			t.Fatalf("with the token: %v", err)
		}
		nc.Close()
	})

	t.Run("HealthAndMetricsSayEachNodesRoleAndTheDispatchPath", func(t *testing.T) {
		var web struct {
			OK       bool
			Dispatch struct {
				Path   string
				OK     bool
				Report struct {
					Connected bool
					Server    string
				}
			}
		}
		getJSON(t, webA+"/healthz", &web)
		if !web.OK || web.Dispatch.Path != "fleet" || !web.Dispatch.OK || !web.Dispatch.Report.Connected || web.Dispatch.Report.Server == "" {
			t.Errorf("web node /healthz: %+v", web)
		}
		if m := getText(t, webA+"/metrics"); !strings.Contains(m, `playground_node_info{dispatch="fleet",role="web"} 1`) {
			t.Errorf("web node /metrics has no fleet role")
		}
		var worker struct {
			OK       bool
			Role     string
			Slots    int
			Draining bool
		}
		getJSON(t, c.workers[0].addr+"/healthz", &worker)
		if !worker.OK || worker.Role != "worker" || worker.Slots != 1 || worker.Draining {
			t.Errorf("worker /healthz: %+v", worker)
		}
		m := getText(t, c.workers[0].addr+"/metrics")
		for _, want := range []string{"playground_worker_slots 1", "playground_worker_runs_running 0", `playground_node_info{role="worker"} 1`} {
			if !strings.Contains(m, want) {
				t.Errorf("worker /metrics lacks %q", want)
			}
		}
	})

	t.Run("ARunOnEitherWebNodeStreamsInOrder", func(t *testing.T) {
		const program = `
import multiprocessing as mp
def work(q, i):
    q.put(i * i)
if __name__ == "__main__":
    q = mp.Queue()
    ps = [mp.Process(target=work, args=(q, i)) for i in range(3)]
    for p in ps: p.start()
    print("squares", sorted(q.get() for _ in ps))
    for p in ps: p.join()
    for i in range(300): print("line", i)
`
		for _, base := range []string{webA, webB} {
			r := clusterRun(t, base, program, nil)
			r.inOrder(t, 1)
			if r.status != "ok" || !strings.Contains(r.output, "squares [0, 1, 4]\n") || !strings.Contains(r.output, "line 299\n") {
				t.Fatalf("on %s: status %s, output %q", base, r.status, tail(r.output))
			}
			ids, expect[r.id] = append(ids, r.id), "ok"
		}
	})

	t.Run("APageThatReconnectsToTheOtherNodeResumesWithoutAGapOrADuplicate", func(t *testing.T) {
		program := "import time\nfor i in range(60):\n    print('tick', i, flush=True)\n    time.sleep(0.05)\n"
		conn := dialWS(t, webA)
		var before *clusterRunResult
		var cut int64
		before = readClusterRun(t, conn, map[string]any{"type": "run", "lesson": testLesson, "code": program}, func(r *clusterRunResult) bool {
			// The connection to node A breaks after tick 5.
			if strings.Contains(r.output, "tick 5\n") {
				cut = r.events[len(r.events)-1].Seq
				return true
			}
			return false
		})
		conn.Close()
		if cut == 0 {
			t.Fatalf("the run never printed tick 5: %q", tail(before.output))
		}
		conn = dialWS(t, webB)
		defer conn.Close()
		after := readClusterRun(t, conn, map[string]any{"type": "resume", "run_id": before.id, "after": cut}, nil)
		after.inOrder(t, cut+1)
		if after.status == "" {
			t.Fatal("the resumed run has no run.end")
		}
		// What the page saw, before and after, is what the run was.
		full := append(before.events[:cut:cut], after.events...)
		stored := storedRun(t, webB, before.id)
		if len(stored) != len(full) {
			t.Fatalf("the page saw %d events, the store has %d", len(full), len(stored))
		}
		for i, e := range full {
			if stored[i].Seq != e.Seq || stored[i].Type != e.Type || stored[i].Text != e.Text {
				t.Fatalf("event %d: the page saw %+v, the store has %+v", i+1, e, stored[i])
			}
		}
		ids, expect[before.id] = append(ids, before.id), after.status
	})

	t.Run("WithEverySlotBusyARunWaitsWithItsPlaceInTheQueue", func(t *testing.T) {
		busy := "import time\nprint('busy', flush=True)\ntime.sleep(3)\n"
		var wg sync.WaitGroup
		startedBusy := make(chan string, 3)
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				base := []string{webA, webB}[i%2]
				r := clusterRun(t, base, busy, func(r *clusterRunResult) bool {
					if strings.Contains(r.output, "busy") && !r.signalled {
						r.signalled = true
						startedBusy <- r.id
					}
					return false
				})
				if r.status != "ok" {
					t.Errorf("a busy run ended %s", r.status)
				}
			}()
		}
		for range 3 {
			select {
			case id := <-startedBusy:
				ids, expect[id] = append(ids, id), "ok"
			case <-time.After(time.Minute):
				t.Fatal("the three busy runs did not all start")
			}
		}
		r := clusterRun(t, webA, "print('my turn')\n", nil)
		wg.Wait()
		if len(r.positions) == 0 || r.positions[0] != 1 {
			t.Errorf("the fourth run was told the places %v, want 1 first", r.positions)
		}
		if r.status != "ok" || r.output != "my turn\n" {
			t.Errorf("the fourth run ended %s with %q", r.status, r.output)
		}
		ids, expect[r.id] = append(ids, r.id), "ok"
	})

	t.Run("AWorkerKilledMidRunEndsItsRunPlainlyWithin5sAndItIsNotRunAgain", func(t *testing.T) {
		var killedAt time.Time
		r := clusterRun(t, webB, "import time\nprint('up', flush=True)\ntime.sleep(30)\n", func(r *clusterRunResult) bool {
			if killedAt.IsZero() && strings.Contains(r.output, "up") {
				w := c.busyWorker()
				w.cmd.Process.Signal(syscall.SIGKILL)
				killedAt = time.Now()
			}
			return false
		})
		took := time.Since(killedAt)
		r.inOrder(t, 1)
		if r.status != "internal_error" || r.message != dispatch.WorkerGoneMessage {
			t.Fatalf("the run ended %s: %q", r.status, r.message)
		}
		// An absolute bound, the one promised to learners: the client's clock
		// notices the silence (workerGone plus a heartbeat, 4 s); a busy
		// machine delays a timer by milliseconds, not by seconds.
		if took > 5*time.Second {
			t.Errorf("the learner was told after %v, want within 5 s", took)
		}
		c.startWorker(natsURLs, 3) // the fleet is three again
		// Never given to another worker: no second run.start, ever.
		time.Sleep(2 * time.Second)
		starts := 0
		for _, e := range storedRun(t, webA, r.id) {
			if e.Type == "run.start" {
				starts++
			}
		}
		if starts != 1 {
			t.Errorf("the run started %d times", starts)
		}
		ids, expect[r.id] = append(ids, r.id), "internal_error"
	})

	t.Run("ADrainingWorkerFinishesItsRun", func(t *testing.T) {
		var drained *clusterProc
		r := clusterRun(t, webA, "import time\nprint('begun', flush=True)\ntime.sleep(1.5)\nprint('finished')\n", func(r *clusterRunResult) bool {
			if drained == nil && strings.Contains(r.output, "begun") {
				drained = c.busyWorker()
				drained.cmd.Process.Signal(syscall.SIGTERM)
			}
			return false
		})
		if r.status != "ok" || !strings.Contains(r.output, "finished") {
			t.Fatalf("the run ended %s with %q", r.status, r.output)
		}
		if err := drained.wait(30 * time.Second); err != nil {
			t.Errorf("the drained worker: %v\n%s", err, drained.log())
		}
		ids, expect[r.id] = append(ids, r.id), "ok"
		c.startWorker(natsURLs, 4)
	})

	t.Run("KillingOneNATSServerDoesNotStopDispatch", func(t *testing.T) {
		// One server of three is killed in the middle of a run: the run
		// goes on to its end with nothing lost; later runs are dispatched.
		n := c.nats[0]
		program := "import time\nfor i in range(40):\n    print('tick', i, flush=True)\n    time.sleep(0.05)\n"
		r := clusterRun(t, webA, program, func(r *clusterRunResult) bool {
			if !r.signalled && strings.Contains(r.output, "tick 10\n") {
				r.signalled = true
				n.cmd.Process.Signal(syscall.SIGKILL)
			}
			return false
		})
		r.inOrder(t, 1)
		var want strings.Builder
		for i := range 40 {
			fmt.Fprintf(&want, "tick %d\n", i)
		}
		if r.status != "ok" || r.output != want.String() {
			t.Fatalf("the run during the loss of a NATS server: %s %q, output %q", r.status, r.message, tail(r.output))
		}
		ids, expect[r.id] = append(ids, r.id), "ok"
		n.wait(10 * time.Second)
		for _, base := range []string{webA, webB, webA} {
			r := clusterRun(t, base, "import multiprocessing as mp\nif __name__ == '__main__':\n    p = mp.Process(target=print, args=('child',))\n    p.start(); p.join()\n", nil)
			r.inOrder(t, 1)
			if r.status != "ok" || r.output != "child\n" {
				t.Fatalf("on %s after the loss of a NATS server: %s %q %q", base, r.status, r.output, r.message)
			}
			ids, expect[r.id] = append(ids, r.id), "ok"
		}
	})

	t.Run("EveryRunIsInPostgreSQL", func(t *testing.T) {
		db, err := store.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, id := range ids {
			// A run is stored before its run.end is sent.
			r, err := db.GetRun(context.Background(), id)
			if err != nil {
				t.Errorf("run %s: %v", id, err)
				continue
			}
			if r.Status != expect[id] {
				t.Errorf("run %s is stored %s, want %s", id, r.Status, expect[id])
			}
		}
		if len(ids) < 10 {
			t.Errorf("only %d runs were made", len(ids))
		}
	})
}

// cluster holds the processes of a TestCluster.
type cluster struct {
	t       *testing.T
	nats    []*clusterProc
	webs    []*clusterProc
	workers []*clusterProc
}

// logs are the logs of every process, for a test that failed.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, group := range [][]*clusterProc{c.nats, c.webs, c.workers} {
		for _, p := range group {
			fmt.Fprintf(&b, "--- %s\n%s\n", strings.Join(p.args, " "), p.log())
		}
	}
	return b.String()
}

// clusterProc is one process of the cluster.
type clusterProc struct {
	cmd   *exec.Cmd
	args  []string
	addr  string // what it printed when ready: its URL
	mu    sync.Mutex
	lines []string
	done  chan error
}

func (p *clusterProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// wait waits for the process to exit; an error if it failed or did not.
func (p *clusterProc) wait(d time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(d):
		return fmt.Errorf("still running after %v", d)
	}
}

// clusterToken is the NATS servers' client token.
const clusterToken = "cluster-test-token-0123456789"

var (
	clusterServeURL  = regexp.MustCompile(`msg="serving the playground" url=(http://\S+)`)
	clusterWorkerURL = regexp.MustCompile(`msg="worker takes runs".* health=(http://\S+)/healthz`)
	clusterNATSURL   = regexp.MustCompile(`serves (nats://\S+)`)
)

// start runs the playground with args until the test ends, and waits for
// the line that ready matches.
func (c *cluster) start(ready *regexp.Regexp, args ...string) *clusterProc {
	t := c.t
	t.Helper()
	cmd := playgroundCommand(t, args...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &clusterProc{cmd: cmd, args: args, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		p.wait(10 * time.Second)
	})
	select {
	case p.addr = <-found:
	case err := <-p.done:
		t.Fatalf("playground %s ended before it was ready: %v\n%s", args[0], err, p.log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("playground %s was not ready within 2 minutes:\n%s", args[0], p.log())
	}
	return p
}

// startNATS starts n NATS servers as one cluster and returns their URLs.
func (c *cluster) startNATS(n int) string {
	client, routes := make([]int, n), make([]string, n)
	for i := range n {
		client[i], routes[i] = freePort(c.t), fmt.Sprintf("nats-route://127.0.0.1:%d", freePort(c.t))
	}
	var urls []string
	for i := range n {
		var others []string
		for j := range n {
			if j != i {
				others = append(others, routes[j])
			}
		}
		p := c.start(clusterNATSURL, "nats", "--name", fmt.Sprintf("n%d", i+1), "--store", c.t.TempDir(), "--token", clusterToken,
			"--addr", fmt.Sprintf("127.0.0.1:%d", client[i]), "--cluster", "playground",
			"--cluster-addr", strings.TrimPrefix(routes[i], "nats-route://"), "--routes", strings.Join(others, ","))
		c.nats = append(c.nats, p)
		urls = append(urls, p.addr)
	}
	return strings.Join(urls, ",")
}

// startWeb starts a web node and returns its address.
func (c *cluster) startWeb(dbURL, natsURLs string) string {
	p := c.start(clusterServeURL, "serve", "--addr", "127.0.0.1:0", "--db", dbURL, "--nats", natsURLs, "--nats-replicas", "3", "--nats-token", clusterToken)
	c.webs = append(c.webs, p)
	return p.addr
}

// startWorker starts a worker of one slot; i chooses its uids, apart from
// every other worker's and from this test's own runner.
func (c *cluster) startWorker(natsURLs string, i int) {
	first := 2_000_100_000 + i*100
	p := c.start(clusterWorkerURL, "worker", "--nats", natsURLs, "--nats-replicas", "3", "--nats-token", clusterToken, "--slots", "1",
		"--addr", "127.0.0.1:0", "--uid-range", fmt.Sprintf("%d-%d", first, first+99))
	c.workers = append(c.workers, p)
}

// busyWorker is the worker running a program now: the test runs one at a
// time when it asks.
func (c *cluster) busyWorker() *clusterProc {
	c.t.Helper()
	for range 50 {
		for _, w := range c.workers {
			var h struct{ Running int }
			res, err := http.Get(w.addr + "/healthz")
			if err != nil {
				continue
			}
			json.NewDecoder(res.Body).Decode(&h)
			res.Body.Close()
			if h.Running > 0 {
				return w
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatal("no worker says it runs a program")
	return nil
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(getText(t, url)), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// clusterEvent is what the cluster test reads of an event.
type clusterEvent struct {
	Seq     int64  `json:"seq"`
	Type    string `json:"type"`
	RunID   string `json:"run_id"`
	Text    string `json:"text"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// clusterRunResult is a run as a page saw it.
type clusterRunResult struct {
	id        string
	events    []clusterEvent
	output    string
	status    string // run.end's, "" without one
	message   string
	positions []int // the places in the queue it was told
	signalled bool  // for the test's own use
}

// inOrder fails unless the events go from seq first on, one by one, to
// run.end.
func (r *clusterRunResult) inOrder(t *testing.T, first int64) {
	t.Helper()
	for i, e := range r.events {
		if e.Seq != first+int64(i) {
			t.Fatalf("event %d has seq %d, want %d", i, e.Seq, first+int64(i))
		}
	}
	if len(r.events) == 0 || r.events[len(r.events)-1].Type != "run.end" {
		t.Fatalf("the stream of %d events does not end with run.end", len(r.events))
	}
}

// clusterRun runs code on a new connection to base.
func clusterRun(t *testing.T, base, code string, each func(*clusterRunResult) bool) *clusterRunResult {
	conn := dialWS(t, base)
	defer conn.Close()
	return readClusterRun(t, conn, map[string]any{"type": "run", "lesson": testLesson, "code": code}, each)
}

// readRun sends msg and reads the run's events up to run.end, or until
// each returns true.
func readClusterRun(t *testing.T, conn *websocket.Conn, msg map[string]any, each func(*clusterRunResult) bool) *clusterRunResult {
	t.Helper()
	b, _ := json.Marshal(msg)
	if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatal(err)
	}
	r := &clusterRunResult{}
	for r.status == "" {
		conn.SetReadDeadline(time.Now().Add(time.Minute))
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v (after %d events)", err, len(r.events))
		}
		var items []json.RawMessage
		if len(data) > 0 && data[0] == '[' {
			json.Unmarshal(data, &items)
		} else {
			items = []json.RawMessage{data}
		}
		for _, it := range items {
			var m struct {
				clusterEvent
				Position int `json:"position"`
			}
			if err := json.Unmarshal(it, &m); err != nil {
				t.Fatalf("message %s: %v", it, err)
			}
			switch {
			case m.Type == "queued":
				r.positions = append(r.positions, m.Position)
				continue
			case m.Type == "error":
				t.Fatalf("error: %s", m.Message)
			case m.Seq == 0:
				continue
			}
			e := m.clusterEvent
			r.events = append(r.events, e)
			switch e.Type {
			case "run.start":
				r.id = e.RunID
			case "output":
				r.output += e.Text
			case "run.end":
				r.status, r.message = e.Status, e.Message
			}
			if each != nil && each(r) {
				return r
			}
		}
	}
	return r
}

// storedRun is a run's events as a web node serves them from the store,
// once the run is stored whole: a page that followed it on another web
// node may have its run.end before the node that ran it has stored it.
func storedRun(t *testing.T, base, id string) []clusterEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	status, raws := getAPIRun(t, base, id)
	for status == "running" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		status, raws = getAPIRun(t, base, id)
	}
	out := make([]clusterEvent, len(raws))
	for i, raw := range raws {
		json.Unmarshal(raw, &out[i])
	}
	return out
}

func tail(s string) string {
	if len(s) > 300 {
		return "…" + s[len(s)-300:]
	}
	return s
}
