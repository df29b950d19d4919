package runner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpplayground/event"
)

func TestParseUIDRange(t *testing.T) {
	for _, s := range []string{"2000000000-2000000999", " 100000 - 100002 "} {
		if _, err := ParseUIDRange(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for s, says := range map[string]string{
		"2000000000":            "FIRST-LAST",
		"a-b":                   "FIRST-LAST",
		"0-999":                 "within 1-",
		"5000-4000":             "ends before it starts",
		"1-4294967295":          "within 1-",
		"100000-100001":         "at least 3",
		"60000-70000":           "65533",
		"65535-70000":           "65535",
		"2000000000-2000000000": "holds 1 ids",
	} {
		_, err := ParseUIDRange(s)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: got %v, want an error that says %q", s, err, says)
		}
	}
}

func TestUIDPoolHandsOutEachIDOnceAndSaysPlainlyWhenAllAreTaken(t *testing.T) {
	rng := UIDRange{First: 3000, Last: 3002}
	p := newUIDPool(rng, "")
	seen := map[int]bool{}
	for range rng.Size() {
		id, err := p.take()
		if err != nil || seen[id] || !rng.contains(id) {
			t.Fatalf("take: %d, %v (seen %v)", id, err, seen)
		}
		seen[id] = true
	}
	_, err := p.take()
	if err == nil || !strings.HasSuffix(err.Error(), ".") || !strings.Contains(err.Error(), "3000-3002") {
		t.Fatalf("a full range: %v, want a plain sentence naming the range", err)
	}
	p.give(3001)
	if id, err := p.take(); id != 3001 || err != nil {
		t.Errorf("after 3001 came back: %d, %v", id, err)
	}
}

// An id given back waits behind every other free one: the kernel may still
// be releasing what its last run left.
func TestUIDPoolHandsOutAGivenBackIDLast(t *testing.T) {
	p := newUIDPool(UIDRange{First: 3000, Last: 3003}, "")
	a, _ := p.take()
	b, _ := p.take()
	p.give(a)
	c, _ := p.take()
	d, _ := p.take()
	if c == a || d == a {
		t.Fatalf("%d was handed out again while never-used ids were free (%d, %d)", a, c, d)
	}
	p.give(d)
	p.give(b)
	var order []int
	for range 3 {
		id, err := p.take()
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, id)
	}
	if fmt.Sprint(order) != fmt.Sprint([]int{a, d, b}) {
		t.Errorf("handed out %v, want the oldest given back first: %v", order, []int{a, d, b})
	}
}

func TestUIDPoolIgnoresAnIDGivenBackTwice(t *testing.T) {
	p := newUIDPool(UIDRange{First: 3000, Last: 3002}, "")
	a, _ := p.take()
	p.give(a)
	p.give(a)
	p.give(2999)
	if p.held() != 0 || len(p.back) != 1 {
		t.Fatalf("held %d, given back %v", p.held(), p.back)
	}
	x, _ := p.take()
	y, _ := p.take()
	z, _ := p.take()
	if _, err := p.take(); err == nil || x == y || y == z || x == z {
		t.Errorf("an id given back twice was handed out twice: %d %d %d, then %v", x, y, z, err)
	}
}

func TestUIDRangeMustBeMappedInTheServersNamespace(t *testing.T) {
	rng := UIDRange{First: 2000000000, Last: 2000000999}
	for text, want := range map[string]bool{
		"         0          0 4294967295\n":                            true,  // the host
		"         0     100000      65536\n":                            false, // a rootless container
		"0 0 1000\n2000000000 2000000000 500\n":                         false, // half of it
		"0 0 1000\n1999999000 5000 2000\n":                              true,
		"         0     100000      65536\n1 2 3 4\nnot numbers at all": false,
	} {
		if got := rng.mappedIn(strings.NewReader(text)); got != want {
			t.Errorf("%q: mapped %v, want %v", text, got, want)
		}
	}
}

// testUIDRange is this package's own, so that no other runner's runs
// (of other test binaries on the machine) share its ids.
var testUIDRange = UIDRange{First: 2000100000, Last: 2000100009}

// uidRunner is a new sandboxed Runner with the range rng; it is closed at
// the end of the test. It skips (fails under CI) where the sandbox is
// missing, and skips where the server cannot map other ids.
func uidRunner(t *testing.T, rng UIDRange) *Runner {
	t.Helper()
	testRunner(t)
	r, err := New(Config{UIDRange: rng})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	if r.uids == nil {
		t.Skipf("no per-run uids here: %s", r.PerRunUIDs())
	}
	return r
}

// heldRun is a run going on in the background.
type heldRun struct {
	up   chan struct{} // closed at the run's first output
	done chan runResult
}

func startRun(r *Runner, program string) *heldRun {
	h := &heldRun{up: make(chan struct{}), done: make(chan runResult, 1)}
	go func() {
		var rr runResult
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		rr.Result = r.Run(ctx, Request{Program: []byte(program)}, func(e event.Event) {
			if e.Type == event.TypeOutput && len(rr.byType(event.TypeOutput)) == 0 {
				close(h.up)
			}
			rr.Events = append(rr.Events, e)
		})
		h.done <- rr
	}()
	return h
}

func (h *heldRun) waitUp(t *testing.T) {
	t.Helper()
	select {
	case <-h.up:
	case rr := <-h.done:
		t.Fatalf("the run ended before its first output:\n%s", rr.dump())
	case <-time.After(30 * time.Second):
		t.Fatal("the run printed nothing within 30 s")
	}
}

func (h *heldRun) wait(t *testing.T) runResult {
	t.Helper()
	rr := <-h.done
	checkContract(t, rr.Events)
	return rr
}

// hostIDsInRange maps each host process whose real uid is in rng to its
// "Uid:" and "Gid:" lines of /proc/<pid>/status, as the host sees them.
func hostIDsInRange(rng UIDRange) map[int][2]string {
	out := map[int][2]string{}
	paths, _ := filepath.Glob("/proc/[0-9]*/status")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var ids [2]string
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Uid:"); ok {
				ids[0] = strings.Join(strings.Fields(v), " ")
			}
			if v, ok := strings.CutPrefix(line, "Gid:"); ok {
				ids[1] = strings.Join(strings.Fields(v), " ")
			}
		}
		f := strings.Fields(ids[0])
		if len(f) == 0 {
			continue
		}
		if uid, err := strconv.Atoi(f[0]); err == nil && rng.contains(uid) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out[pid] = ids
		}
	}
	return out
}

// Seen from the host, two runs at once are two users: each run's
// processes carry the uid (and the gid of the same number) that its
// run.start names, and the two differ.
func TestConcurrentRunsGetDistinctHostUIDs(t *testing.T) {
	r := uidRunner(t, testUIDRange)
	program := "import multiprocessing as mp, time\n" +
		"if __name__ == '__main__':\n" +
		"    p = mp.Process(target=time.sleep, args=(3,))\n" +
		"    p.start()\n" +
		"    print('up', flush=True)\n" +
		"    p.join()\n"
	a, b := startRun(r, program), startRun(r, program)
	a.waitUp(t)
	b.waitUp(t)
	seen := hostIDsInRange(testUIDRange)
	ra, rb := a.wait(t), b.wait(t)
	mustStatus(t, ra, event.StatusOK)
	mustStatus(t, rb, event.StatusOK)

	ua, ub := ra.Events[0].Sandbox.HostUID, rb.Events[0].Sandbox.HostUID
	if ua == ub || !testUIDRange.contains(ua) || !testUIDRange.contains(ub) {
		t.Fatalf("run.start host uids %d and %d: want two distinct ids of %s", ua, ub, testUIDRange)
	}
	if got := ra.Events[0].Sandbox.UIDRange; got != testUIDRange.String() {
		t.Errorf("run.start uid_range %q, want %q", got, testUIDRange)
	}
	perUID := map[int]int{}
	for pid, ids := range seen {
		uid, _ := strconv.Atoi(strings.Fields(ids[0])[0])
		want := fmt.Sprintf("%d %d %d %d", uid, uid, uid, uid)
		if ids[0] != want || ids[1] != want {
			t.Errorf("pid %d: Uid %q, Gid %q, want %q for both", pid, ids[0], ids[1], want)
		}
		perUID[uid]++
	}
	// Each run: its main process and the child it waits for, at least.
	if len(perUID) != 2 || perUID[ua] < 2 || perUID[ub] < 2 {
		t.Errorf("host processes per uid %v, want those of run A (%d) and run B (%d)", perUID, ua, ub)
	}
	for _, uid := range []int{ua, ub} {
		r.uids.mu.Lock()
		_, held := r.uids.inUse[uid]
		r.uids.mu.Unlock()
		if held {
			t.Errorf("uid %d is still held after its run returned", uid)
		}
	}
}

// settle waits until no warm init is being started.
func settle(t *testing.T, r *Runner) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.pool.mu.Lock()
		filling := r.pool.filling
		r.pool.mu.Unlock()
		if filling == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("warm inits still starting after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Warm inits hold uids too: with the smallest range, three runs at once
// take every id (the warm inits' included), a fourth fails with a plain
// sentence, and once they end runs go on.
func TestWarmInitsAndRunsShareTheUIDRangeAndAFullRangeFailsPlainly(t *testing.T) {
	rng := UIDRange{First: 2000100010, Last: 2000100010 + minUIDRangeSize - 1}
	r := uidRunner(t, rng)
	settle(t, r)
	if n := r.uids.held(); n != warmInits {
		t.Fatalf("%d uids held by the ready inits, want %d", n, warmInits)
	}
	var held []*heldRun
	for range rng.Size() {
		h := startRun(r, "import time\nprint('up', flush=True)\ntime.sleep(2)\n")
		h.waitUp(t)
		settle(t, r)
		held = append(held, h)
	}
	full := runProgram(t, r, "print('never')\n", event.Limits{})
	mustStatus(t, full, event.StatusInternalError)
	msg := full.end().Message
	if !strings.Contains(msg, "Try again in a moment.") || !strings.Contains(msg, rng.String()) {
		t.Errorf("a full range: %q", msg)
	}
	if uid := full.Events[0].Sandbox.HostUID; uid != noHostUID {
		t.Errorf("run.start of a run without a uid says host_uid %d", uid)
	}
	uids := map[int]bool{}
	for _, h := range held {
		rr := h.wait(t)
		mustStatus(t, rr, event.StatusOK)
		uids[rr.Events[0].Sandbox.HostUID] = true
	}
	if len(uids) != rng.Size() {
		t.Errorf("%d runs at once had host uids %v", rng.Size(), uids)
	}
	mustStatus(t, runProgram(t, r, "print('again')\n", event.Limits{}), event.StatusOK)
}

// A warm init closed unused gives its uid back.
func TestWarmInitsGiveTheirUIDsBackWhenClosed(t *testing.T) {
	r := uidRunner(t, testUIDRange)
	mustStatus(t, runProgram(t, r, "print('one')\n", event.Limits{MemoryBytes: 100 << 20}), event.StatusOK)
	settle(t, r)
	if n := r.uids.held(); n != warmInits {
		t.Fatalf("%d uids held between runs, want %d (the ready inits')", n, warmInits)
	}
	r.Close()
	if n := r.uids.held(); n != 0 {
		t.Errorf("%d uids held after Close", n)
	}
}

// Two servers on one host (a cluster's workers, test binaries side by
// side) take from the same range: an id another process holds is passed
// over, and comes free when that process dies.
func TestUIDPoolPassesOverIDsAnotherProcessHolds(t *testing.T) {
	dir, err := openLeaseDir([]string{filepath.Join(t.TempDir(), "leases")})
	if err != nil {
		t.Fatal(err)
	}
	// Another process holds 3000 (util-linux's flock, as a server would).
	// --close: the lock is flock's own, not its command's.
	holder := exec.Command("flock", "--exclusive", "--close", filepath.Join(dir, "3000"), "-c", "echo held; exec sleep 60")
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatalf("flock(1): %v", err)
	}
	kill := func() { syscall.Kill(-holder.Process.Pid, syscall.SIGKILL) }
	defer kill()
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "held\n" {
		t.Fatalf("the other process did not take its lock: %q, %v", line, err)
	}

	rng := UIDRange{First: 3000, Last: 3002}
	a, b := newUIDPool(rng, dir), newUIDPool(rng, dir)
	x, err := a.take()
	if err != nil || x != 3001 {
		t.Fatalf("first take: %d, %v; want 3001 (3000 is another process's)", x, err)
	}
	y, err := b.take()
	if err != nil || y != 3002 {
		t.Fatalf("the second server's take: %d, %v; want 3002", y, err)
	}
	if _, err := b.take(); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("every id held somewhere: %v, want the plain sentence", err)
	}
	a.give(x)
	if z, err := b.take(); err != nil || z != 3001 {
		t.Fatalf("after the first server gave 3001 back: %d, %v", z, err)
	}
	kill()
	holder.Wait()
	if z, err := a.take(); err != nil || z != 3000 {
		t.Fatalf("after the other process died: %d, %v; want 3000", z, err)
	}
}

func TestUIDLeaseDirIsRefusedWhenOthersMayChangeIt(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o777) // past the umask
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if dir, err := openLeaseDir([]string{open, link}); err == nil || dir != "" ||
		!strings.Contains(err.Error(), "may be changed by others") || !strings.Contains(err.Error(), "is not a directory") {
		t.Fatalf("open and linked directories: %q, %v", dir, err)
	}
	good := filepath.Join(t.TempDir(), "good")
	if dir, err := openLeaseDir([]string{open, good}); err != nil || dir != good {
		t.Fatalf("the first usable directory: %q, %v", dir, err)
	}
}
