package runner

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"mpplayground/event"
	"mpplayground/runner/record"
	"mpplayground/runner/sandbox"
)

// follow reads the init's records until the init is gone and its stream
// has ended. Whatever the init sends or fails to send (a broken record, a
// stream that never ends), the wall time, Stop and the end of ctx keep
// working: the init is told to kill the run, killed itself killBackstop
// later, and its stream, if another process holds it open, is given up
// streamDrainGrace after the init is gone.
func (s *session) follow(ctx context.Context) {
	quit := make(chan struct{})
	defer close(quit)
	records := make(chan recordBatch, 16)
	go readRecords(s.init.wire, records, quit)
	exited := make(chan struct{})
	go func() {
		_ = s.init.cmd.Wait()
		close(exited)
	}()

	wall := time.NewTimer(s.limits.WallTime)
	defer wall.Stop()
	poll := time.NewTicker(limitPollInterval)
	defer poll.Stop()
	done := ctx.Done()
	var drain *time.Timer // armed once the init is gone
	var drainC <-chan time.Time
	wallHit := false // the wall time is up, and its diagnosis awaited
	for records != nil || exited != nil {
		select {
		case b := <-records:
			if b.err != nil {
				records = nil
				// A stream cut short by the init's own death after the run
				// killed it is its end; any other bad record is a broken
				// stream, which cannot be read past.
				if !errors.Is(b.err, io.EOF) && !s.initKilled {
					s.internalError("The run's event stream broke: " + b.err.Error() + ".")
					s.killInit()
				}
				continue
			}
			s.handle(b.recs)
			if drain != nil {
				drain.Reset(streamDrainGrace)
			}
		case <-exited:
			exited = nil
			drain = time.NewTimer(streamDrainGrace)
			drainC = drain.C
		case <-drainC:
			// The init is gone. While no other process holds its stream
			// open, the stream ends once it is read, however long a busy
			// machine takes to read it: nothing of it is lost.
			if writersGone(s.init.wire) {
				drain.Reset(streamDrainGrace)
				continue
			}
			// Something else keeps it open: nothing more can be believed
			// of it.
			records = nil
		case <-poll.C:
			s.checkCgroup()
			s.checkStuck()
			if wallHit && !s.stuck.probing {
				s.kill()
			}
		case <-wall.C:
			if s.limitKind == "" {
				s.hitLimit(event.LimitWallTime)
			}
			// A run whose processes all wait gets its diagnosis first.
			if wallHit = s.atWallTime(); !wallHit {
				s.kill()
			}
		case <-done:
			done = nil
			if s.limitKind == "" {
				s.stopped = true
			}
			s.kill()
		case <-s.backstop:
			// The init did not finish in time: end it, and with it, as pid 1
			// of the namespace, every process of the run.
			s.backstop = nil
			s.killInit()
		}
	}
	if drain != nil {
		drain.Stop()
	}
}

// handle acts on one batch of the init's records.
func (s *session) handle(recs []record.Record) {
	for _, rec := range recs {
		switch {
		case rec.Error != "":
			// Only the init's own set-up fails this way, before the program runs.
			if s.mainPID == 0 {
				s.internalError("The sandbox could not be set up: " + cut(rec.Error))
			}
		case rec.Limit != "":
			if !initLimits[rec.Limit] || (rec.Limit == event.LimitDisk && !slices.Contains(sandbox.WritableDirs, rec.Where)) {
				s.internalError("The sandbox reported a limit it does not enforce.")
				s.killInit()
				continue
			}
			s.outputCut = s.outputCut || rec.Limit == event.LimitOutput
			s.diskWhere = rec.Where
			s.hitLimit(rec.Limit)
			s.kill()
		case rec.IPC != nil:
			s.forwardIPC(rec)
		case rec.Probe != nil:
			s.probeAnswered(rec.NS, rec.Probe)
		case rec.Event != nil:
			s.forward(rec)
			if rec.Event.Type == event.TypeProcExit && rec.Event.Signal == "SIGKILL" {
				s.checkCgroup()
			}
		}
	}
}

func (s *session) internalError(msg string) {
	if s.internal == "" {
		s.internal = msg
	}
}

// kill tells the init to end every process of the run, and arms the
// backstop in case it does not.
func (s *session) kill() {
	if s.killSent {
		return
	}
	s.killSent = true
	_ = s.init.ctl.SetWriteDeadline(time.Now().Add(killBackstop))
	_, _ = s.init.ctl.Write([]byte(record.CmdKill))
	s.backstop = time.After(killBackstop)
}

// killInit ends the init at once; as pid 1 of the run's namespace it takes
// every process of the run with it.
func (s *session) killInit() {
	s.killSent, s.initKilled = true, true
	_ = s.init.cmd.Process.Kill()
}

// forward passes one observed event on, keeping track of the processes.
// The init reports only process events, each of a known shape; anything
// else is not passed on.
func (s *session) forward(rec record.Record) {
	e := *rec.Event
	switch e.Type {
	case event.TypeProcStart:
		if s.open[e.PID] || e.PID <= 0 || !slices.Contains(event.Vias, e.Via) {
			return
		}
		if !s.send(rec.NS, e) {
			return
		}
		if s.mainPID == 0 {
			s.mainPID = e.PID
		}
		s.open[e.PID] = true
		return
	case event.TypeProcExit:
		if !s.open[e.PID] {
			return
		}
		delete(s.open, e.PID)
		if e.PID == s.mainPID {
			s.mainCode, s.mainSig = e.Code, e.Signal
		}
	case event.TypeOutput:
		if !s.open[e.PID] || (e.Stream != "stdout" && e.Stream != "stderr") {
			return
		}
	case event.TypeProcExec:
		if !s.open[e.PID] {
			return
		}
	default:
		return // only the runner itself makes the others
	}
	s.send(rec.NS, e)
}

// forwardIPC passes on the IPC events of one batch of reports.
func (s *session) forwardIPC(rec record.Record) {
	if !s.open[rec.IPC.PID] {
		return
	}
	// Each event keeps the time its process took when it happened (the
	// hook sends reports in batches), if not later than the batch's arrival.
	eachIPCLine(rec.IPC, func(line string) {
		m, ok := parseIPC(line)
		if !ok {
			return
		}
		switch m.Type {
		case "stack":
			s.stackReported(rec.IPC.PID, &m)
			return
		case "misuse":
			s.stuck.misuseReported(rec.IPC.PID, &m)
			return
		}
		var e event.Event
		if !s.ipc.event(rec.IPC.PID, &m, &e) {
			return
		}
		ns := m.NS
		if ns <= 0 || ns > rec.NS {
			ns = rec.NS
		}
		if s.send(ns, e) && (e.Type == event.TypeWaitBegin || e.Type == event.TypeWaitEnd) {
			s.stuck.wait(ns, &e, &m)
		}
	})
}

// readRecords reads the init's records and hands them on in batches: a
// burst of thousands crosses the channel in a few steps. It ends with the
// stream, or when quit is closed.
func readRecords(r io.Reader, out chan<- recordBatch, quit <-chan struct{}) {
	br := bufio.NewReaderSize(r, 256<<10)
	var buf []byte
	hand := func(b recordBatch) bool {
		select {
		case out <- b:
			return true
		case <-quit:
			return false
		}
	}
	for {
		var batch []record.Record
		for {
			rec, b, err := record.Read(br, buf)
			buf = b
			if err != nil {
				if len(batch) == 0 || hand(recordBatch{recs: batch}) {
					hand(recordBatch{err: err})
				}
				return
			}
			batch = append(batch, rec)
			if br.Buffered() == 0 || len(batch) == maxRecordBatch {
				break
			}
		}
		if !hand(recordBatch{recs: batch}) {
			return
		}
	}
}

// recordBatch is what the reader hands the session: records, or why the
// stream ended (io.EOF when the init closed it).
type recordBatch struct {
	recs []record.Record
	err  error
}

// maxRecordBatch bounds a batch of records.
const maxRecordBatch = 512

// writersGone says whether every write end of the pipe r reads is closed:
// what it holds can then be read to its end.
func writersGone(r *os.File) bool {
	rc, err := r.SyscallConn()
	if err != nil {
		return false
	}
	hup := false
	_ = rc.Control(func(fd uintptr) {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, err := unix.Poll(p, 0); err == nil && n > 0 {
			hup = p[0].Revents&unix.POLLHUP != 0
		}
	})
	return hup
}
