package runner

import "slices"

// initEnv is the whole environment of the sandbox's init, a Go program:
// one thread for the runtime, and a crash report of the crashing
// goroutine only.
var initEnv = []string{"GOMAXPROCS=1", "GOTRACEBACK=single"}

// newInitEnv returns a copy of initEnv, for one init to add to.
func newInitEnv() []string { return slices.Clone(initEnv) }
