// Package dispatch carries runs between the web nodes that serve learners
// and the workers that execute programs, over NATS JetStream: a run is a
// message on a work-queue stream that a worker takes only when it has a
// free sandbox; its events come back on a subject of its own, kept for a
// while so that any web node can resume a learner's run; stop and input go
// the other way. It knows runs and events, not HTTP or SQL: the web server
// uses a Client as its Executor, `playground worker` runs a Worker.
package dispatch
