// Package cli is `playground run` (one program run in the sandbox, its
// events printed as a transcript or JSON lines) and the parts of the
// command line every command shares: the runner's flags and the
// environment variables that stand for flags.
//
// `playground run` starts from this package's init, not from main: Go
// initialises a package once its imports are, so by then the runner is
// ready and the packages only the server needs (the pages and their
// Markdown, the store and SQLite, NATS, the metrics) are not yet
// initialised (TestRunStartsBeforeTheServersPackages holds it). A cold run
// skips their initialisation, and the garbage collection their allocations
// would set off (docs/benchmarks.md, "The CLI's cold start").
package cli

import (
	"os"

	"mpplayground/runner/sandbox"
)

func init() {
	if len(os.Args) > 1 && os.Args[1] == "run" {
		// As main does for every command: a descriptor this process
		// inherited must not reach the run's init and program.
		sandbox.CloseInheritedFDs()
		os.Exit(Run(os.Args[2:], os.Stdout, os.Stderr))
	}
}
