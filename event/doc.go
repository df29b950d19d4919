// Package event is the vocabulary of a run's event stream, the contract
// that docs/events.md describes: the event types and the fields each one
// carries, the statuses of run.end, the kinds of limit, the limits and
// sandbox of run.start, and the one JSON encoder of an event.
//
// It imports nothing of the project. The runner makes events, the server
// sends and stores them, the lessons judge them, the commands print them.
package event
