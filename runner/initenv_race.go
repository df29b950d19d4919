//go:build race

package runner

// A binary built with the race detector sleeps a second before it exits,
// by default, so that other goroutines may still report: its init would
// hold every run's end back by that second. The init reports its races as
// it finds them; it need not wait.
func init() { initEnv = append(initEnv, "GORACE=atexit_sleep_ms=0") }
