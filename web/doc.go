// Package web serves the playground in the browser: the lesson pages
// (templ components), the embedded assets and the WebSocket on which a
// learner's program runs and its events stream back live.
//
// It consumes the runner's event stream and knows nothing of how a program
// is executed; the small interfaces it needs (Executor, Catalog, Checker,
// RunRecorder ...) are fields of Config, declared here and satisfied by the
// packages that cmd/playground wires in. A run's life in the server is
// liveRun (liverun.go); ws.go is the transport.
package web
