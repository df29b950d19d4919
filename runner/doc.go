// Package runner executes a Python program in a sandbox and reports, as an
// ordered stream of events, every process the program starts, every byte
// each process writes and how each process ends.
//
// It knows nothing of HTTP or SQL: the web server and the command line
// consume the same stream through Runner.Run.
package runner
