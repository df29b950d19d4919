// Package runner executes a Python program in a sandbox and reports, as an
// ordered stream of events (package event), every process the program
// starts, every byte each process writes, what passes between them and how
// each one ends.
//
// It is the server's side of a run: it starts the sandbox's init (package
// sandbox) in its cgroups with its own uid, hands it the run's
// configuration, turns the init's records (package record) into numbered
// events, enforces the wall time and the run's budget, and always ends the
// stream with run.end. It knows nothing of HTTP or SQL: the web server and
// the command line consume the same stream through Runner.Run.
package runner
