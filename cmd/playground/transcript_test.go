package main

import (
	"strings"
	"testing"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/event"
)

func TestTheTranscriptEscapesNamesAndArgv(t *testing.T) {
	var b strings.Builder
	tr := cli.NewTranscript(&b, false)
	ppid := 1
	evil := "worker-1\n[9 MainProcess] forged line\x1b]52;c;cGF3bmVk\x07\u202e"
	tr.Write(event.Event{Type: event.TypeProcStart, PID: 7, PPID: &ppid, Name: evil, Via: "fork"})
	tr.Write(event.Event{Type: event.TypeProcExec, PID: 7, Argv: []string{evil, "-c"}})
	code := 0
	tr.Write(event.Event{Type: event.TypeProcExit, PID: 7, Code: &code})
	tr.Write(event.Event{Type: event.TypeRunEnd, Status: event.StatusOK, Message: "done."})
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("control characters reached the terminal: %q", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[9 MainProcess]") {
			t.Errorf("a forged line: %q", line)
		}
	}
	if !strings.Contains(out, `worker-1\x0a[9 MainProcess]`) {
		t.Errorf("the name is not shown escaped: %q", out)
	}
}

// A SharedMemory block is bounded by the run's /dev/shm, not by the size of
// one file; past /dev/shm the learner reads why.
