package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/internal/testmem"
	"mpplayground/runner/record"
)

// The observed program is untrusted: these tests try, as a hostile program
// would, to forge, stall or exhaust the observer.

// fdsProgram prints the descriptors above 2 that the process has open.
const fdsProgram = `import os
def open_fds():
    found = []
    for fd in range(3, 1024):
        try:
            os.fstat(fd)
            found.append(fd)
        except OSError:
            pass
    return found
print("fds", open_fds())
for fd in (3, 4, 5, 6):
    try:
        os.write(fd, b"\x05\x01forged")
        print("ESCAPED wrote to", fd)
    except OSError:
        pass
`

func TestProgramStartsWithOnlyItsStandardDescriptors(t *testing.T) {
	r := testRunner(t)
	// A descriptor the server inherited, not close-on-exec: a directory, as
	// a shell that started the server may leave open.
	dirFD, err := syscall.Open("/", syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(dirFD)
	// Limits other than the defaults: a fresh init, started after the
	// descriptor was opened.
	rr := runProgram(t, r, fdsProgram, event.Limits{Pids: DefaultPids - 1})
	mustStatus(t, rr, event.StatusOK)
	if out := rr.text("stdout"); !strings.Contains(out, "fds []\n") || strings.Contains(out, "ESCAPED") {
		t.Errorf("the program holds descriptors of its observer: %q (the server's stray one is %d)", out, dirFD)
	}
	for _, e := range rr.Events {
		if strings.Contains(e.Text, "forged") || strings.Contains(e.Message, "forged") {
			t.Errorf("a forged record reached the stream: %+v", e)
		}
	}
}

// A single write larger than an event may carry (1 MiB here, where
// net.core.wmem_max allows it) is cut into events of at most 64 KiB.
func TestOneLargeWriteIsCutIntoEvents(t *testing.T) {
	r := testRunner(t)
	program := "import os\nn = 1 << 20\nwhile n:\n    try:\n        os.write(1, b'x' * n)\n        break\n    except OSError:\n        n //= 2\nprint('\\nwrote', n)\n"
	rr := runProgram(t, r, program, event.Limits{OutputBytes: 4 << 20})
	mustStatus(t, rr, event.StatusOK)
	total := 0
	for _, e := range rr.byType(event.TypeOutput) {
		if len(e.Text) > record.MaxOutputText {
			t.Errorf("an output event of %d bytes", len(e.Text))
		}
		total += strings.Count(e.Text, "x")
	}
	if want := fmt.Sprintf("wrote %d\n", total); !strings.Contains(rr.text("stdout"), want) {
		t.Errorf("%d bytes arrived; the program says %q", total, rr.text("stdout")[len(rr.text("stdout"))-20:])
	}
}

// fakeInit starts a process in the init's place, with the init's pipes:
// whatever it writes on fd 4 is what the runner reads.
func fakeInit(t *testing.T, script string) *startedInit {
	t.Helper()
	si := &startedInit{initErr: &bytes.Buffer{}}
	child, err := si.openPipes()
	if err != nil {
		t.Fatal(err)
	}
	si.cmd = exec.Command("/bin/sh", "-c", script)
	si.cmd.ExtraFiles = child
	si.cmd.WaitDelay = streamDrainGrace
	if err := si.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, f := range child {
		f.Close()
	}
	return si
}

// followFake runs a session against a fake init and returns its events and
// how long it took.
func followFake(t *testing.T, si *startedInit, wall time.Duration, ctx context.Context) (runResult, time.Duration) {
	t.Helper()
	r := testRunner(t)
	var rr runResult
	s := newSession(r, Request{}, func(e event.Event) { rr.Events = append(rr.Events, e) })
	s.limits.WallTime = wall
	s.startNS = record.MonoNS()
	s.send(s.startNS, event.Event{Type: event.TypeRunStart})
	s.init = si
	start := time.Now()
	s.follow(ctx)
	rr.Result = s.end()
	return rr, time.Since(start)
}

// The stream from the init can break, or go silent while the init ignores
// "kill": the wall time, Stop and the end of the server still end the run
// within a second of their deadline.
func TestABrokenOrSilentInitCannotHoldTheRun(t *testing.T) {
	t.Run("a record over the bound", func(t *testing.T) {
		// A length of 2^28, far over maxRecord, then silence.
		si := fakeInit(t, `printf '\377\377\377\177' >&4; exec sleep 60`)
		rr, took := followFake(t, si, time.Minute, context.Background())
		mustStatus(t, rr, event.StatusInternalError)
		if !strings.Contains(rr.end().Message, "stream broke") || took > testload.Scaled(t, 2*time.Second, 40) {
			t.Errorf("%q after %v", rr.end().Message, took)
		}
	})
	t.Run("silent past the wall time", func(t *testing.T) {
		// Ignores the kill command and never closes its stream.
		si := fakeInit(t, `trap '' TERM INT HUP; exec sleep 60`)
		wall := 500 * time.Millisecond
		rr, took := followFake(t, si, wall, context.Background())
		mustStatus(t, rr, event.StatusTimeout)
		// Within a second of the deadline: the runner's own timers (500 ms
		// backstop, 250 ms drain), not the machine's speed, decide it; a
		// busy machine may only delay their goroutine.
		if took > wall+testload.Scaled(t, time.Second, 20) {
			t.Errorf("the run ended %v after its deadline", took-wall)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		si := fakeInit(t, `exec sleep 60`)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		rr, took := followFake(t, si, time.Minute, ctx)
		mustStatus(t, rr, event.StatusStopped)
		if took > 200*time.Millisecond+testload.Scaled(t, time.Second, 20) {
			t.Errorf("the run ended %v after Stop", took-200*time.Millisecond)
		}
	})
	t.Run("a stream held open after the init is gone", func(t *testing.T) {
		// The fake init's child keeps fd 4 open after the init exits.
		pidFile := t.TempDir() + "/pid"
		si := fakeInit(t, `sleep 60 & echo $! > `+pidFile+`; exit 0`)
		_, took := followFake(t, si, time.Minute, context.Background())
		if took > testload.Scaled(t, 2*time.Second, 40) {
			t.Errorf("the run waited %v for a stream nobody would end", took)
		}
		if b, err := os.ReadFile(pidFile); err == nil {
			var pid int
			if _, err := fmt.Sscan(string(b), &pid); err == nil && pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// eventsSocket is Python that opens the socket the hook reports on.
const eventsSocket = `import os, socket
addr = os.environ['PLAYGROUND_EVENTS']
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect('\0' + addr[1:])
`

// Reports sent straight to the events socket, with keys as long as a
// datagram allows, cannot make the runner keep them: its memory for the
// run stays bounded, and with IPC off nothing is accepted at all.
func TestForgedReportsCannotExhaustTheRunner(t *testing.T) {
	r := testRunner(t)
	program := eventsSocket + `key = 'k' * 60000
for i in range(400):
    for kind in ('pipe.pair', 'queue.put'):
        line = '\x01%s\t%d%s\t\t%d%s\t\t-1\t-1\t-1\t\t\t\t%d%sX\t0' % (kind, i, key, i, key, i, key)
        try:
            s.send(line.encode())
        except OSError:
            pass
for i in range(20000):
    s.send(b'\x01ipc.truncated\tp1\t\t\t\t-1\t-1\t-1\t\t\t\t' + b'9' * 1000 + b'\t0')
print('sent')
`
	var rr runResult
	// 150 MB of forged reports for the runner to read and refuse: on a
	// busy machine, under the race detector, that takes longer than the
	// default wall time allows, and the bound here is on memory, not time.
	long := event.Limits{WallTime: testload.Scaled(t, time.Minute, 600)}
	grew := testmem.PeakGrowth(func() { rr = runProgram(t, r, program, long) })
	mustStatus(t, rr, event.StatusOK)
	t.Logf("the runner's heap grew by %.1f MiB at its peak", float64(grew)/(1<<20))
	if grew > 64<<20 {
		t.Errorf("the runner's heap grew by %d MiB for one run", grew>>20)
	}
	if n := len(rr.byType(event.TypeIPCTruncated)); n > 1 {
		t.Errorf("%d ipc.truncated events from one process", n)
	}
	for _, e := range rr.Events {
		if len(e.Queue) > 40 || len(e.Pipe) > 40 || len(e.Msg) > 40 || len(e.Message) > 500 {
			t.Fatalf("a forged key reached an event: %.200s", fmt.Sprintf("%+v", e))
		}
	}

	var off runResult
	var out []event.Event
	off.Result = r.Run(context.Background(), Request{Program: []byte(eventsSocket + "s.send(b'\\x01queue.put\\tq1\\tQueue\\tm1\\t1\\t1\\t-1\\t-1\\t\\t\\t\\t\\t0')\nprint('sent')\n"), NoIPC: true},
		func(e event.Event) { out = append(out, e) })
	off.Events = out
	mustStatus(t, off, event.StatusOK)
	if n := len(off.byType(event.TypeQueuePut)); n != 0 {
		t.Errorf("with IPC off, %d forged queue.put events were accepted", n)
	}
}

// execLoopProgram replaces its program with itself, forever, each time
// with 60 KB of argv and no output.
const execLoopProgram = "import os\nopen('/tmp/loop.sh', 'w').write('exec /bin/sh /tmp/loop.sh \"$@\"\\n')\nos.execv('/bin/sh', ['sh', '/tmp/loop.sh'] + ['a' * 1000] * 60)\n"

// One budget covers all a run makes the server store and send: a million
// tiny writes alternating between two streams, or an exec loop with long
// argv and no output, end with a limit of kind "events".
func TestTheEventBudgetEndsAFlood(t *testing.T) {
	r := testRunner(t)
	for name, program := range map[string]string{
		"alternating one-byte writes": "import os\nfor i in range(1_000_000):\n    os.write(1 + i % 2, b'x')\n",
		"exec loop with long argv":    execLoopProgram,
	} {
		t.Run(name, func(t *testing.T) {
			rr := runProgram(t, r, program, event.Limits{WallTime: 30 * time.Second})
			mustStatus(t, rr, event.StatusLimit)
			l := limitEvent(t, rr, event.LimitEvents)
			if !strings.HasPrefix(l.Message, "Stopped: ") {
				t.Errorf("limit message %q", l.Message)
			}
			var bytes int64
			for _, e := range rr.Events {
				bytes += eventCost(&e)
			}
			if len(rr.Events) > MaxRunEvents+200 || bytes > DefaultOutputBytes+runBudgetSlack+(1<<20) {
				t.Errorf("%d events, %d bytes: over the budget", len(rr.Events), bytes)
			}
		})
	}
}

// A name is the kernel's word before the program's: a program cannot pass
// a shell off as a multiprocessing child by announcing a name and putting
// spawn's words in the shell's argv, and an exec'd program's argv[0] does
// not name it.
func TestAnnouncedNamesAreOnlyHints(t *testing.T) {
	r := testRunner(t)
	program := eventsSocket + `import subprocess, sys
s.send(b'{"k":"spawn","name":"worker-1","tid":0}')
subprocess.run(['/bin/sh', '-c', 'true', 'from multiprocessing.spawn import spawn_main', '--multiprocessing-fork'])
subprocess.run(['worker-2\n\x1b]0;title\x07', '-c', 'print(1)'], executable=sys.executable)
`
	rr := runProgram(t, r, program, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	for _, e := range rr.byType(event.TypeProcStart) {
		if strings.HasPrefix(e.Name, "worker") || e.Via == "spawn" {
			t.Errorf("a process took the program's word for its name: %+v", e)
		}
	}
	names := map[string]bool{}
	for _, e := range rr.byType(event.TypeProcStart) {
		names[e.Name] = true
	}
	if !names["sh"] {
		t.Errorf("the shell is not named sh: %v", names)
	}
}

func TestSharedMemoryUpToDevShm(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, "from multiprocessing import shared_memory\ns = shared_memory.SharedMemory(create=True, size=40 << 20)\ns.buf[:] = b'x' * (40 << 20)\nprint(len(s.buf))\ns.close(); s.unlink()\n", event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	if !strings.Contains(rr.text("stdout"), fmt.Sprint(40<<20)) {
		t.Errorf("a 40 MiB block: %s", rr.dump())
	}
	rr = runProgram(t, r, "print('before', flush=True)\nfrom multiprocessing import shared_memory\ns = shared_memory.SharedMemory(create=True, size=100 << 20)\nprint('ESCAPED')\n", event.Limits{})
	mustStatus(t, rr, event.StatusLimit)
	l := limitEvent(t, rr, event.LimitDisk)
	if !strings.Contains(l.Message, "shared memory") || strings.Contains(rr.text(""), "ESCAPED") || !strings.Contains(rr.text(""), "before") {
		t.Errorf("a 100 MiB block: %q, output %q", l.Message, rr.text(""))
	}
}
