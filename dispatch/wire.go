package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mpplayground/event"
	"mpplayground/runner"
)

// Streams and subjects. A run's messages are named by its run id, which
// is URL-safe base64 (event.NewRunID): letters, digits, - and _, all valid
// in a subject token.
const (
	runsStream   = "PLAYGROUND_RUNS"
	runsSubject  = "playground.runs"
	workers      = "workers" // the one durable pull consumer of the runs
	eventsStream = "PLAYGROUND_EVENTS"
	ctlStream    = "PLAYGROUND_CTL"
)

func eventsSubject(runID string) string { return "playground.events." + runID }
func ctlSubject(runID string) string    { return "playground.ctl." + runID }
func aliveSubject(runID string) string  { return "playground.alive." + runID }

// keepFor is how long a run's events and control messages stay in their
// streams: long enough for a page to reconnect to another web node and
// resume the run, even one that ran to its longest wall time.
const keepFor = 10 * time.Minute

// heartbeat is how often a worker says that a run it took is alive, and
// workerGone how long its silence means that it is not: the learner is
// told within workerGone plus a heartbeat.
const (
	heartbeat  = time.Second
	workerGone = 3 * time.Second
)

// A worker's word on its alive subject is the seq of the last event
// JetStream has stored ("12"); its last word on a run, once the program
// has ended and every event is stored, says so ("published 12").
const aliveAllPublished = "published "

func aliveWord(stored int64, all bool) []byte {
	w := strconv.FormatInt(stored, 10)
	if all {
		w = aliveAllPublished + w
	}
	return []byte(w)
}

// parseAlive reads a worker's word; a word it cannot read says nothing.
func parseAlive(b []byte) (stored int64, all bool) {
	s, all := strings.CutPrefix(string(b), aliveAllPublished)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, all
}

// pullBriefly makes a consumer of a run's messages ask for them in short
// pulls, so that one on a NATS server that went away is noticed (its
// heartbeats stop) and made again on another within a second or two,
// rather than the library's default of half a minute.
var pullBriefly = []jetstream.PullMessagesOpt{jetstream.PullExpiry(2 * time.Second), jetstream.PullHeartbeat(500 * time.Millisecond)}

// job is a run as it travels on the work queue.
type job struct {
	RunID       string       `json:"run_id"`
	Program     []byte       `json:"program"`
	Limits      event.Limits `json:"limits"`
	WallTimeNS  int64        `json:"wall_time_ns,omitempty"`
	NoIPC       bool         `json:"no_ipc,omitempty"`
	StartMethod string       `json:"start_method,omitempty"`
	Stdin       bool         `json:"stdin,omitempty"` // input comes on the run's control subject
}

func jobOf(req runner.Request) job {
	return job{RunID: req.RunID, Program: req.Program, Limits: req.Limits, WallTimeNS: int64(req.Limits.WallTime),
		NoIPC: req.NoIPC, StartMethod: req.StartMethod, Stdin: req.Stdin != nil}
}

func (j job) request() runner.Request {
	l := j.Limits
	l.WallTime = time.Duration(j.WallTimeNS)
	return runner.Request{RunID: j.RunID, Program: j.Program, Limits: l, NoIPC: j.NoIPC, StartMethod: j.StartMethod}
}

// control is a message from the web node to the run's worker.
type control struct {
	Type string `json:"type"` // "stop", "stdin" (Text), "eof"
	Text string `json:"text,omitempty"`
}
