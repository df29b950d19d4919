package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/internal/testload"
	"mpplayground/store"
)

// The attack-and-fault suite: real programs, the real sandbox, the real
// server. Every case must end with a plain message to the learner, keep the
// output printed before the attack, store the run, leave no process,
// cgroup, mount or /dev/shm object behind, and leave the server able to
// run the next program, while another learner's run at the same time
// finishes unharmed.

// attack is one case of the suite.
type attack struct {
	name     string
	program  string
	statuses []string // acceptable run.end statuses
	limit    string   // the limit kind that must be reported, if any
	keep     string   // output printed before the attack that must be kept
	absent   []string // output that must not appear (a successful escape)
	// absentNames are process names the program claims that no proc.start
	// may carry.
	absentNames []string
}

const attackMarker = "before the attack"

func attacks() []attack {
	pre := "print('" + attackMarker + "', flush=True)\n"
	return []attack{
		// processes
		{name: "fork loop", program: pre + "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.001)\n", statuses: []string{"limit"}, limit: "pids", keep: attackMarker},
		{name: "exponential fork bomb", program: pre + "import os\nwhile True:\n    try:\n        os.fork(); os.fork()\n    except OSError:\n        pass\n", statuses: []string{"limit"}, limit: "pids", keep: attackMarker},
		{name: "Pool(500)", program: pre + "import multiprocessing as mp\nif __name__ == '__main__':\n    mp.Pool(500)\n", statuses: []string{"limit"}, limit: "pids", keep: attackMarker},
		// memory
		{name: "memory in one process", program: pre + "x = []\nwhile True:\n    x.append(b'x' * (1 << 20))\n", statuses: []string{"limit"}, limit: "memory", keep: attackMarker},
		{name: "memory over four children", program: pre + "import multiprocessing as mp, time\ndef eat():\n    x = [b'x' * (1 << 20) for _ in range(100)]\n    time.sleep(10)\nif __name__ == '__main__':\n    ps = [mp.Process(target=eat) for _ in range(4)]\n    [p.start() for p in ps]\n    [p.join() for p in ps]\n", statuses: []string{"limit"}, limit: "memory", keep: attackMarker},
		{name: "SharedMemory larger than /dev/shm", program: pre + "from multiprocessing import shared_memory\ns = shared_memory.SharedMemory(name='attack_big', create=True, size=100 << 20)\ns.buf[:] = b'x' * (100 << 20)\n", statuses: []string{"limit"}, limit: "disk", keep: attackMarker},
		{name: "SharedMemory larger than one file may be", program: pre + "from multiprocessing import shared_memory\ns = shared_memory.SharedMemory(name='attack_file', create=True, size=40 << 20)\ns.buf[:] = b'x' * (40 << 20)\nprint('block of', len(s.buf))\ns.close(); s.unlink()\n", statuses: []string{"ok"}, keep: "block of 41943040"},
		{name: "SharedMemory larger than the memory limit", program: pre + "from multiprocessing import shared_memory\nss = []\nfor i in range(40):\n    s = shared_memory.SharedMemory(name=f'attack_{i}', create=True, size=15 << 20)\n    s.buf[:] = b'x' * (15 << 20)\n    ss.append(s)\n", statuses: []string{"error", "limit"}, keep: attackMarker},
		// time
		{name: "busy loop", program: pre + "while True:\n    pass\n", statuses: []string{"timeout"}, limit: "wall_time", keep: attackMarker},
		{name: "endless sleep", program: pre + "import time\ntime.sleep(1000)\n", statuses: []string{"timeout"}, limit: "wall_time", keep: attackMarker},
		{name: "setsid double-fork ignoring SIGTERM and SIGHUP", program: pre + "import os, signal, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n        signal.signal(signal.SIGHUP, signal.SIG_IGN)\n        while True:\n            time.sleep(1)\n    os._exit(0)\ntime.sleep(0.2)\n", statuses: []string{"ok"}, keep: attackMarker},
		{name: "kill(-1, SIGKILL)", program: pre + "import os, signal\nos.kill(-1, signal.SIGKILL)\n", statuses: []string{"error"}, keep: attackMarker},
		{name: "signals to pid 1", program: pre + "import os, signal\nfor s in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT):\n    try:\n        os.kill(1, s)\n    except OSError as e:\n        print('refused', e.errno)\nprint('still here')\n", statuses: []string{"ok"}, keep: "still here"},
		// output
		{name: "output flood", program: pre + "while True:\n    print('flood' * 40)\n", statuses: []string{"limit"}, limit: "output", keep: attackMarker},
		{name: "one 10 MB line", program: pre + "print('x' * 10_000_000)\n", statuses: []string{"limit"}, limit: "output", keep: attackMarker},
		{name: "invalid UTF-8 and NUL bytes", program: pre + "import os\nos.write(1, b'\\xff\\xfe\\x00 nul and bad bytes \\xc3\\n')\nprint('done')\n", statuses: []string{"ok"}, keep: "done"},
		{name: "ANSI escapes and HTML", program: pre + "print('\\x1b[31mred\\x1b[0m <script>alert(1)</script> <b>bold</b>')\n", statuses: []string{"ok"}, keep: "<script>alert(1)</script>"},
		// the observer itself: its descriptors, its stream, its memory, its budget, its names
		{name: "the observer's descriptors", program: pre + "import os\nfound = []\nfor fd in range(3, 1024):\n    try:\n        os.fstat(fd); found.append(fd)\n    except OSError:\n        pass\nfor fd in found:\n    try:\n        os.write(fd, b'\\x05\\x01forged exit')\n        print('ESCAPED wrote to', fd)\n    except OSError:\n        pass\nprint('descriptors', found)\n", statuses: []string{"ok"}, keep: "descriptors []", absent: []string{"ESCAPED"}},
		{name: "one write of 1 MiB", program: pre + "import os\nos.write(1, b'x' * (1 << 20))\n", statuses: []string{"limit"}, limit: "output", keep: attackMarker},
		{name: "forged IPC reports with huge keys", program: pre + "import os, socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.connect('\\0' + os.environ['PLAYGROUND_EVENTS'][1:])\nk = 'k' * 60000\nfor i in range(60):\n    for kind in ('pipe.pair', 'queue.put', 'ipc.truncated'):\n        try:\n            s.send(('\\x01%s\\t%d%s\\t\\t%d%s\\t\\t-1\\t-1\\t-1\\t\\t\\t\\t%d%s\\t0' % (kind, i, k, i, k, i, k)).encode())\n        except OSError:\n            pass\nprint('reports sent')\n", statuses: []string{"ok"}, keep: "reports sent"},
		{name: "names and argv with control characters", program: pre + "import subprocess, sys\nsubprocess.run(['worker-1\\n\\x1b]0;title\\x07', '-c', 'print(\"child ran\")'], executable=sys.executable)\n", statuses: []string{"ok"}, keep: "child ran", absentNames: []string{"worker-1"}},
		// disk
		{name: "fill /tmp", program: pre + "for n in range(4):\n    with open(f'/tmp/f{n}', 'wb') as f:\n        f.write(b'x' * (12 << 20))\n", statuses: []string{"limit"}, limit: "disk", keep: attackMarker},
		{name: "fill inodes", program: pre + "import os\nos.makedirs('/tmp/d')\nfor i in range(100000):\n    open(f'/tmp/d/{i}', 'w').close()\n", statuses: []string{"limit"}, limit: "disk", keep: attackMarker},
		{name: "1 TiB sparse file", program: pre + "f = open('/tmp/sparse', 'wb')\nf.truncate(1 << 40)\n", statuses: []string{"error"}, keep: attackMarker},
		// network
		{name: "TCP, UDP and DNS out", program: pre + "import socket\nfor addr in (('1.1.1.1', 53), ('169.254.169.254', 80)):\n    try:\n        socket.create_connection(addr, timeout=1)\n        print('ESCAPED tcp', addr)\n    except OSError:\n        pass\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.sendto(b'x', ('1.1.1.1', 53))\n    print('ESCAPED udp')\nexcept OSError:\n    pass\ntry:\n    socket.getaddrinfo('example.com', 80)\n    print('ESCAPED dns')\nexcept OSError:\n    pass\nprint('network closed')\n", statuses: []string{"ok"}, keep: "network closed", absent: []string{"ESCAPED"}},
		// files
		{name: "read host secrets", program: pre + "for p in ('/etc/shadow', '/proc/1/environ', '/proc/1/exe', '/root/.bashrc'):\n    try:\n        open(p, 'rb').read(10)\n        print('ESCAPED read', p)\n    except OSError:\n        pass\nimport os\nprint('listing', sorted(os.listdir('/')))\n", statuses: []string{"ok"}, keep: "listing", absent: []string{"ESCAPED"}},
		{name: "write outside the run's own file systems", program: pre + "for p in ('/x', '/usr/x', '/home/x', '/etc/x', '/opt/playground/sitecustomize.py'):\n    try:\n        open(p, 'w').write('x')\n        print('ESCAPED write', p)\n    except OSError:\n        pass\nprint('writes refused')\n", statuses: []string{"ok"}, keep: "writes refused", absent: []string{"ESCAPED"}},
		{name: "plant symlinks", program: pre + "import os\nfor target in ('/etc/shadow', '/', '/proc/1/root'):\n    try:\n        os.symlink(target, '/tmp/link' + str(abs(hash(target))))\n    except OSError:\n        pass\nos.symlink('/', '/dev/shm/root')\nprint('planted')\n", statuses: []string{"ok"}, keep: "planted"},
		// syscalls
		{name: "refused system calls", program: pre + "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nfor name, nr, args in (('ptrace', 101, (16, 1, 0, 0)), ('keyctl', 250, (0, 0, 0, 0)), ('bpf', 321, (0, 0, 0)), ('io_uring_setup', 425, (8, 0)), ('unshare', 272, (0x10000000,)), ('mount', 165, (b'none', b'/tmp', b'tmpfs', 0, None))):\n    if libc.syscall(nr, *args) != -1:\n        print('ESCAPED', name)\nprint('syscalls refused')\n", statuses: []string{"ok"}, keep: "syscalls refused", absent: []string{"ESCAPED"}},
	}
}

// bystanderProgram is another learner's run during each attack.
const bystanderProgram = "import multiprocessing as mp, time\ndef sq(x):\n    time.sleep(0.01)\n    return x * x\nif __name__ == '__main__':\n    with mp.Pool(2) as p:\n        print(sum(p.map(sq, range(40))))\n"

// hostState is what must come back to its baseline after every run.
type hostState struct {
	sandboxProcs int
	cgroups      int
	mounts       int
	shm          string
}

func observeHost(t *testing.T) hostState {
	t.Helper()
	var s hostState
	s.sandboxProcs = len(descendants(os.Getpid()))
	dirs, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/*/*/playground-runs/run-%d-*", os.Getpid()))
	more, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/playground-runs/run-%d-*", os.Getpid()))
	s.cgroups = len(dirs) + len(more)
	// Only the mounts of this server's own: a run's mounts live in its
	// namespace, and a mount the server left on the host would be under a
	// run's directory (playground-run-*) or cgroup (playground-runs).
	// Mounts of other software on the machine, an image or a volume
	// called playground included, do not count.
	if b, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "playground-run") {
				s.mounts++
			}
		}
	}
	// Names the attacks create inside their sandbox: none may reach the host.
	// Their shared memory blocks are named: Python's own psm_* names may be
	// other tests' bare programs, running beside these.
	var leaked []string
	for _, pattern := range []string{"/dev/shm/attack_*", "/dev/shm/root", "/dev/shm/from-a", "/tmp/link*", "/tmp/sparse", "/tmp/d"} {
		m, _ := filepath.Glob(pattern)
		leaked = append(leaked, m...)
	}
	s.shm = strings.Join(leaked, ",")
	return s
}

// descendants lists the processes below pid (the sandboxes of this test).
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis: state, ppid, ...
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 {
			parent[n], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	for n := range parent {
		for p := parent[n]; p > 1; p = parent[p] {
			if p == pid {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// stableHost observes the host once it has stopped changing (the runner
// keeps a few inits ready, started in the background).
func stableHost(t *testing.T) hostState {
	t.Helper()
	prev := observeHost(t)
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		now := observeHost(t)
		if now == prev {
			return now
		}
		prev = now
	}
	return prev
}

// waitForBaseline waits for the host to be as before: up to a second on a
// quiet machine, longer on a busy one (the processes of a killed run are
// reaped by the kernel and the runner at the machine's pace).
func waitForBaseline(t *testing.T, base hostState) {
	t.Helper()
	deadline := time.Now().Add(testload.Scaled(t, time.Second, 40))
	for {
		now := observeHost(t)
		if now == base {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("left behind after the run: %+v, baseline %+v", now, base)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type runHead struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Text    string `json:"text"`
	Name    string `json:"name"`
}

func heads(raws []json.RawMessage) []runHead {
	out := make([]runHead, len(raws))
	for i, r := range raws {
		json.Unmarshal(r, &out[i])
	}
	return out
}

func TestAttacksAreContained(t *testing.T) {
	requireSandbox(t)
	rf := cli.AddRunnerFlags(flag.NewFlagSet("attacks", flag.ContinueOnError))
	// Three seconds on a quiet machine: every attack reaches its own limit
	// well before. A busy machine slows the attacks and the bystander's run
	// (forks under ptrace most of all) more than it slows a start of
	// Python, so the wall time grows with the load at a wide margin.
	rf.Timeout = testload.Scaled(t, 3*time.Second, 100)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 2, Runner: rf}
	base, _ := startServe(t, o)
	baseline := stableHost(t)

	// Cases that name this server: its own port, its database, its binary.
	port := base[strings.LastIndexByte(base, ':')+1:]
	exe, _ := os.Executable()
	pre := "print('" + attackMarker + "', flush=True)\n"
	cases := append(attacks(),
		attack{name: "the server's own port", program: pre + "import socket\ntry:\n    socket.create_connection(('127.0.0.1', " + port + "), timeout=1)\n    print('ESCAPED')\nexcept OSError:\n    print('port closed')\n",
			statuses: []string{"ok"}, keep: "port closed", absent: []string{"ESCAPED"}},
		attack{name: "the server's database and binary", program: pre + fmt.Sprintf("for p in (%q, %q):\n    try:\n        open(p, 'rb').read(16)\n        print('ESCAPED', p)\n    except OSError:\n        pass\nprint('files hidden')\n", o.DB, exe),
			statuses: []string{"ok"}, keep: "files hidden", absent: []string{"ESCAPED"}},
	)
	for _, a := range cases {
		t.Run(a.name, func(t *testing.T) {
			var wg sync.WaitGroup
			var by wsRun
			var byErr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := dialWS(t, base)
				defer c.Close()
				by, byErr = runWS(c, bystanderProgram, nil)
			}()
			c := dialWS(t, base)
			run, err := runWS(c, a.program, nil)
			c.Close()
			wg.Wait()
			if err != nil || !run.End {
				t.Fatalf("the attack's run did not end: %v", err)
			}
			hs := heads(run.Raws)
			end := hs[len(hs)-1]
			if !contains(a.statuses, end.Status) {
				t.Errorf("status %q, want one of %v (%s)", end.Status, a.statuses, end.Message)
			}
			if end.Message == "" || !strings.HasSuffix(end.Message, ".") || strings.Contains(end.Message, "exit status") {
				t.Errorf("not a plain message: %q", end.Message)
			}
			var out strings.Builder
			var limits []string
			for _, h := range hs {
				if h.Type == "output" {
					out.WriteString(h.Text)
				}
				for _, name := range a.absentNames {
					if h.Type == "proc.start" && strings.Contains(h.Name, name) {
						t.Errorf("a process took the program's word for its name: %q", h.Name)
					}
				}
				if h.Type == "limit" {
					limits = append(limits, h.Kind)
					if !strings.HasPrefix(h.Message, "Stopped: ") {
						t.Errorf("limit message %q", h.Message)
					}
				}
			}
			if a.limit != "" && (len(limits) != 1 || limits[0] != a.limit) {
				t.Errorf("limits %v, want [%s]", limits, a.limit)
			}
			if !strings.Contains(out.String(), a.keep) {
				t.Errorf("the output %q was not kept", a.keep)
			}
			for _, bad := range a.absent {
				if strings.Contains(out.String(), bad) {
					t.Errorf("escaped: %s", out.String())
				}
			}
			status, stored := getAPIRun(t, base, run.ID)
			if status != end.Status || !sameEvents(stored, run.Raws) {
				t.Errorf("stored run differs: status %q, %d events against %d streamed", status, len(stored), len(run.Raws))
			}
			if byErr != nil || !by.End {
				t.Fatalf("the other learner's run did not end: %v", byErr)
			}
			bh := heads(by.Raws)
			var byOut strings.Builder
			for _, h := range bh {
				if h.Type == "output" {
					byOut.WriteString(h.Text)
				}
			}
			if bh[len(bh)-1].Status != "ok" || byOut.String() != "20540\n" {
				t.Errorf("the other learner's run was harmed: %s, output %q", bh[len(bh)-1].Message, byOut.String())
			}
			waitForBaseline(t, baseline)
			c = dialWS(t, base)
			next, err := runWS(c, "print('next')\n", nil)
			c.Close()
			if err != nil || !next.End || heads(next.Raws)[len(next.Raws)-1].Status != "ok" {
				t.Errorf("the next run failed: %v", err)
			}
		})
	}
}

// Run A's /dev/shm file and System V segment are invisible to run B.
func TestRunsLeaveNothingForTheNext(t *testing.T) {
	requireSandbox(t)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns}
	base, _ := startServe(t, o)
	c := dialWS(t, base)
	defer c.Close()
	if _, err := runWS(c, "import ctypes\nopen('/dev/shm/from-a', 'w').write('a')\nprint(ctypes.CDLL(None).shmget(0x77, 4096, 0o1666))\n", nil); err != nil {
		t.Fatal(err)
	}
	b, err := runWS(c, "import os, ctypes\nprint(os.listdir('/dev/shm'), ctypes.CDLL(None).shmget(0x77, 4096, 0o666))\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, h := range heads(b.Raws) {
		out.WriteString(h.Text)
	}
	if out.String() != "[] -1\n" {
		t.Errorf("run B sees run A's objects: %q", out.String())
	}
}

// procStart identifies a process across pid reuse: its pid and start time.
type procStart struct {
	pid   int
	start string
}

// startOf reads a process's start time ("" when it is gone or a zombie).
func startOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// After the command's closing parenthesis: state is field 3, start time field 22.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 20 || f[0] == "Z" {
		return ""
	}
	return f[19]
}

// stillAlive returns those of procs that are still running.
func stillAlive(procs []procStart) []int {
	var alive []int
	for _, p := range procs {
		if st := startOf(p.pid); st != "" && st == p.start {
			alive = append(alive, p.pid)
		}
	}
	return alive
}

// snapshot identifies pids now.
func snapshot(pids []int) []procStart {
	var out []procStart
	for _, pid := range pids {
		if st := startOf(pid); st != "" {
			out = append(out, procStart{pid, st})
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The WebSocket cases of the suite, against the real server.
func TestWebSocketAbuseIsContained(t *testing.T) {
	requireSandbox(t)
	// Limits that the slow-client case cannot reach first: only the drop of
	// the client may end its run.
	rf := cli.AddRunnerFlags(flag.NewFlagSet("abuse", flag.ContinueOnError))
	rf.Timeout, rf.OutputLimit = time.Minute, 512<<20
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, Runner: rf}
	base, _ := startServe(t, o)
	host := strings.TrimPrefix(base, "http://")

	t.Run("a 10 MiB frame closes the socket with 1009", func(t *testing.T) {
		c := dialWS(t, base)
		defer c.Close()
		big := make([]byte, 10<<20)
		for i := range big {
			big[i] = 'x'
		}
		_ = c.WriteMessage(websocket.TextMessage, big)
		c.SetReadDeadline(time.Now().Add(testload.Scaled(t, 10*time.Second, 200)))
		_, _, err := c.ReadMessage()
		if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
			t.Errorf("got %v, want a close with 1009", err)
		}
	})

	t.Run("a second run on one connection is refused plainly", func(t *testing.T) {
		c := dialWS(t, base)
		defer c.Close()
		msg, _ := json.Marshal(map[string]any{"type": "run", "lesson": testLesson, "code": "import time\ntime.sleep(1)\n"})
		c.WriteMessage(websocket.TextMessage, msg)
		c.WriteMessage(websocket.TextMessage, msg)
		c.SetReadDeadline(time.Now().Add(testload.Scaled(t, 10*time.Second, 200)))
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("no refusal: %v", err)
			}
			if strings.Contains(string(data), `"type":"error"`) {
				break
			}
		}
	})

	t.Run("a foreign origin is refused", func(t *testing.T) {
		h := http.Header{"Origin": {"http://evil.example"}}
		_, res, err := websocket.DefaultDialer.Dial("ws://"+host+"/ws", h)
		if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("foreign origin: %v %v", err, res)
		}
	})

	t.Run("a client that never reads is dropped, its run stopped and stored", func(t *testing.T) {
		c := dialWS(t, base)
		defer c.Close()
		c.UnderlyingConn().(*net.TCPConn).SetReadBuffer(4096)
		before := map[string]bool{}
		for _, id := range storedRunIDs(t, o.DB) {
			before[id] = true
		}
		msg, _ := json.Marshal(map[string]any{"type": "run", "lesson": testLesson,
			"code": "import os, time\nwhile True:\n    os.write(1, b'o' * 8000 + b'\\n')\n    time.sleep(0.001)\n"})
		sent := time.Now()
		c.WriteMessage(websocket.TextMessage, msg)
		// The connection stays open: only the server may end this run. It
		// drops a client whose send queue stays full for 5 s, by the clock
		// (web/sendqueue.go). The program writes up to 8 MB/s in events of
		// up to 64 KiB (not so many that the event budget, nor so much that
		// this server's output limit, ends the run first): they fill the
		// client's socket (128 KiB) and the queue (8 MiB) within a few
		// seconds even on a busy machine, and from then on nothing but
		// time is needed; the bound leaves a loaded machine room to start
		// the run and store it.
		bound := testload.Scaled(t, 15*time.Second, 300)
		for time.Since(sent) < bound {
			time.Sleep(200 * time.Millisecond)
			for _, id := range storedRunIDs(t, o.DB) {
				if before[id] {
					continue
				}
				if st, _ := getAPIRun(t, base, id); st == "stopped" && strings.Contains(apiProgram(t, base, id), "os.write(1, b'o") {
					t.Logf("stopped and stored %v after the run was sent", time.Since(sent).Round(100*time.Millisecond))
					return
				}
			}
		}
		t.Errorf("the run of a client that never reads was not stopped and stored within %v", bound)
	})

	t.Run("2,000 idle connections and slow headers leave /healthz fast", func(t *testing.T) {
		var conns []*websocket.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range 2000 {
			conns = append(conns, dialWS(t, base))
		}
		var loris []net.Conn
		defer func() {
			for _, c := range loris {
				c.Close()
			}
		}()
		for range 200 {
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nX-Slow: ", host)
			loris = append(loris, c)
		}
		var worst time.Duration
		for range 50 {
			start := time.Now()
			res, err := http.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("/healthz: %s", res.Status)
			}
			worst = max(worst, time.Since(start))
		}
		// 200 ms on a quiet machine; on a busy one, what it allows.
		if bound := testload.Scaled(t, 200*time.Millisecond, 8); worst > bound {
			t.Errorf("/healthz took up to %v (bound %v) with 2,000 idle connections and 200 slow ones", worst, bound)
		}
		c := dialWS(t, base)
		defer c.Close()
		if r, err := runWS(c, "print('still serving')\n", nil); err != nil || !r.End {
			t.Errorf("a run failed beside the idle connections: %v", err)
		}
	})
}

// apiProgram is the program of a stored run, from /api/runs/<id>.
func apiProgram(t *testing.T, base, id string) string {
	t.Helper()
	res, err := http.Get(base + "/api/runs/" + id)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	var r struct {
		Program string `json:"program"`
	}
	json.NewDecoder(res.Body).Decode(&r)
	return r.Program
}

// storedRunIDs lists the ids of the runs in the database file.
func storedRunIDs(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return nil
	}
	defer db.Close()
	rows, err := db.Query("SELECT id FROM runs")
	if err != nil {
		return nil
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Admission: a global cap on runs at once with a first-come queue; past
// the queue's cap a plain "busy"; and no cap per address (a classroom
// shares one NAT address: 100 learners from one address all get to run).
func TestAdmissionIsFairAndPlain(t *testing.T) {
	requireSandbox(t)
	t.Run("past the queue's cap the learner is told the server is busy", func(t *testing.T) {
		o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 1, MaxQueue: 1}
		base, _ := startServe(t, o)
		long, _ := json.Marshal(map[string]any{"type": "run", "lesson": testLesson, "code": "import time\ntime.sleep(3)\n"})
		var conns []*websocket.Conn
		for range 3 {
			c := dialWS(t, base)
			defer c.Close()
			conns = append(conns, c)
		}
		conns[0].WriteMessage(websocket.TextMessage, long)
		time.Sleep(300 * time.Millisecond)
		conns[1].WriteMessage(websocket.TextMessage, long)
		want := func(c *websocket.Conn, typ, text string) {
			t.Helper()
			c.SetReadDeadline(time.Now().Add(testload.Scaled(t, 5*time.Second, 100)))
			for {
				_, data, err := c.ReadMessage()
				if err != nil {
					t.Fatalf("no %s message: %v", typ, err)
				}
				if strings.Contains(string(data), `"type":"`+typ+`"`) && strings.Contains(string(data), text) {
					return
				}
			}
		}
		want(conns[1], "queued", `"position":1`)
		conns[2].WriteMessage(websocket.TextMessage, long)
		want(conns[2], "error", "busy")
	})
	t.Run("100 learners behind one address all run", func(t *testing.T) {
		// Eight at once, so that the last learner's wait stays well within
		// the client's patience on a loaded machine; the point is that no
		// learner is refused for sharing an address.
		// The wall time grows with the machine's load: a learner's print
		// must not time out because 99 others share two busy cores.
		rf := cli.AddRunnerFlags(flag.NewFlagSet("admission", flag.ContinueOnError))
		rf.Timeout = testload.Scaled(t, 10*time.Second, 200)
		o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 8, Runner: rf}
		base, _ := startServe(t, o)
		var wg sync.WaitGroup
		var failed atomic.Int32
		for i := range 100 {
			c := dialWS(t, base)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				r, err := runWS(c, fmt.Sprintf("print('learner %d')\n", i), nil)
				if err != nil || !r.End || heads(r.Raws)[len(r.Raws)-1].Status != "ok" {
					if failed.Add(1) <= 3 {
						end := ""
						if len(r.Raws) > 0 {
							h := heads(r.Raws)[len(r.Raws)-1]
							end = h.Status + ": " + h.Message
						}
						t.Logf("learner %d: %v, %d events, the last %s", i, err, len(r.Raws), end)
						for _, raw := range r.Raws {
							t.Logf("  %s", raw)
						}
					}
				}
			}()
		}
		wg.Wait()
		if n := failed.Load(); n > 0 {
			t.Errorf("%d of 100 learners from one address could not run", n)
		}
	})
}
