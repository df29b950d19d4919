// Package sandbox is the init of a run: pid 1 inside the run's namespaces,
// the one process of the playground that shares the sandbox with the
// learner's program. It builds the sandbox's file systems and filters,
// starts the program under ptrace, watches every process it starts and
// everything each one writes, and reports it all to the runner as records
// (package record).
//
// The runner starts it by running its own binary again with argv[0] set to
// Arg0: any binary that links this package can be the init. It imports
// nothing of the server side.
package sandbox
