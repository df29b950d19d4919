package web

import (
	"strings"
	"testing"

	"mpplayground/event"
)

func TestOneLogLinePerRun(t *testing.T) {
	var log syncBuffer
	_, ts := MustServer(t, Config{Logger: slogTo(&log)})
	c := MustDial(t, ts, nil)
	c.send(runMsg("pool", poolProgram))
	ok, _, _ := c.runToEnd(runTimeout)
	c.send(runMsg("pool", "import sys\nsys.stdout.write('x' * (4 << 20))\n"))
	cut, _, _ := c.runToEnd(runTimeout)

	var lines []string
	for _, l := range strings.Split(log.String(), "\n") {
		if strings.Contains(l, " msg=run ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d run lines for 2 runs:\n%s", len(lines), log.String())
	}
	for i, want := range []struct {
		id, status, limit, exit string
	}{
		{ok[0].RunID, "status=ok", "limit=\"\"", "exit_code=0"},
		{cut[0].RunID, "status=limit", "limit=output", "exit_code="},
	} {
		l := lines[i]
		for _, part := range []string{"level=INFO", "run=" + want.id, "lesson=pool", want.status, want.limit, want.exit, "duration_ms=", "queue_wait_ms="} {
			if !strings.Contains(l, part) {
				t.Errorf("line %d lacks %q: %s", i+1, part, l)
			}
		}
		if strings.Contains(l, "learner") {
			t.Errorf("the learner's id is logged: %s", l)
		}
	}
	if cut[len(cut)-1].Status != event.StatusLimit {
		t.Errorf("second run.end %+v", cut[len(cut)-1])
	}
}
