package runner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"mpplayground/event"
	"mpplayground/runner/record"
)

// ipcMessage is a report of the startup hook's IPC module
// (hook/_playground_ipc.py): an object of the program, known by a key every
// process holding it computes alike, and what happened to it. On the wire
// it is "\x01" and tab-separated fields in the order of ipcFields (cheaper
// to make in Python and to read here than JSON, at thousands a second).
type ipcMessage struct {
	// The fields in the order of ipcFields.
	Type, Key, Object, Msg, Summary string
	Size, Index                     int // -1: absent
	WaitedMS                        float64
	Task, Function, Error, Other    string
	NS                              int64 // CLOCK_MONOTONIC when it happened
}

// ipcFields are the fields of a report line, in order: the hook's _FIELDS,
// which a test holds to this list.
var ipcFields = [...]string{"type", "key", "object", "msg", "summary", "size", "index", "waited_ms",
	"task", "function", "error", "other", "ns"}

// eachIPCLine calls fn with every report line of a batch (one datagram of
// the hook, as the init received it), in order. The init passes a batch on
// unread; the runner turns it into events (session.forwardIPC).
func eachIPCLine(b *record.IPCBatch, fn func(line string)) {
	data := b.Lines
	for len(data) > 0 {
		line := data
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = ""
		}
		if len(line) > 0 && line[0] == record.IPCPrefix {
			fn(line)
		}
	}
}

// parseIPC reads one report line. Its fields share one copy of the line,
// not the batch it came in: an event kept for a while keeps only its own
// line alive.
func parseIPC(line string) (ipcMessage, bool) {
	var m ipcMessage
	var f [len(ipcFields)]string
	rest := strings.Clone(line[1:])
	for i := range f {
		j := strings.IndexByte(rest, '\t')
		if j < 0 {
			if i != len(f)-1 {
				return m, false
			}
			f[i] = rest
			break
		}
		if i == len(f)-1 {
			return m, false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	m.Type, m.Key, m.Object, m.Msg, m.Summary = f[0], f[1], f[2], f[3], f[4]
	m.Size = atoiOr(f[5], -1)
	m.Index = atoiOr(f[6], -1)
	m.WaitedMS = -1
	if w, err := strconv.ParseFloat(f[7], 64); err == nil {
		m.WaitedMS = w
	}
	m.Task, m.Function, m.Error, m.Other = f[8], f[9], f[10], f[11]
	m.NS, _ = strconv.ParseInt(f[12], 10, 64)
	return m, true
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// Bounds on what a program can make the runner remember and report (the
// run's bounds of objects and events are in package record: the init
// passes on no more than they need).
const (
	maxIPCObjects = record.MaxIPCObjects
	maxIPCEvents  = record.MaxIPCEvents
	// maxIPCObjectEvents bounds the events of one object, so that a run's
	// bound is shared: an object used in a hot loop cannot leave the
	// objects that come after it undrawn.
	maxIPCObjectEvents = 5000
	maxIPCText         = 200
	// maxWaitEvents bounds the wait events of a run; they do not count
	// against the IPC events' bounds.
	maxWaitEvents = 20000
	// maxIPCKey bounds the keys a report names objects and items by: an
	// honest key is an inode number, a semaphore's or block's name (at most
	// 255 bytes) or a place in the shared heap. The runner remembers keys,
	// so a longer one is refused rather than kept.
	maxIPCKey = 256
)

// ipcState turns the hook's keys into short ids that are the same in every
// process and numbered in order of appearance: queue-1, pipe-2, task-3.
type ipcState struct {
	ids      map[ipcKey]string     // object -> id
	counts   map[string]int        // kind -> ids given
	given    int                   // ids given in all
	names    map[ipcKey]string     // object -> the name the program gave it
	ends     map[string]int        // pipe end key -> 0 or 1
	taskPool map[string]string     // task id -> pool id
	msgs     map[string]queuedItem // queue item put and not yet taken
	reported int                   // IPC events reported
	cutSaid  map[int]bool          // processes whose own ipc.truncated was reported
	waits    int                   // wait events reported
	perObj   map[string]int        // object id -> its events reported
	cutObj   map[string]bool       // objects whose ipc.truncated was reported
	held     map[heldLock]int      // a lock's reported acquires not yet released, per process
}

type heldLock struct {
	id  string
	pid int
}

type ipcKey struct{ kind, key string }

// queuedItem is what a put said of its item; its get reports only the id
// (the hook keeps the hot path short) and is completed from here.
type queuedItem struct {
	msg, summary string
	size         int
}

func (s *ipcState) init() {
	s.ids = map[ipcKey]string{}
	s.counts = map[string]int{}
	s.names = map[ipcKey]string{}
	s.perObj = map[string]int{}
	s.cutObj = map[string]bool{}
	s.held = map[heldLock]int{}
	s.ends = map[string]int{}
	s.taskPool = map[string]string{}
	s.msgs = make(map[string]queuedItem, 256)
	s.cutSaid = map[int]bool{}
}

// id returns the id of key, giving it the next one of its kind if new.
func (s *ipcState) id(kind, key string) string {
	if id, ok := s.ids[ipcKey{kind, key}]; ok {
		return id
	}
	if len(s.ids) >= maxIPCObjects || s.given >= maxIPCObjects {
		return kind + "-?"
	}
	s.given++
	id := s.next(kind)
	s.ids[ipcKey{kind, key}] = id
	return id
}

func (s *ipcState) next(kind string) string {
	s.counts[kind]++
	return kind + "-" + strconv.Itoa(s.counts[kind])
}

// queueItem gives a queue event its msg id: a new one for a put, its put's
// for a get, which also takes the put's summary and size. Items are
// remembered only while they are in a queue (at most one per reported
// event).
func (s *ipcState) queueItem(e *event.Event, key string) {
	if e.Type == event.TypeQueuePut {
		e.Msg = s.next("msg")
		size := -1
		if e.Size != nil {
			size = *e.Size
		}
		s.msgs[key] = queuedItem{e.Msg, e.Summary, size}
		return
	}
	it, ok := s.msgs[key]
	if !ok {
		e.Msg = s.next("msg")
		return
	}
	delete(s.msgs, key)
	e.Msg = it.msg
	if e.Summary == "" && e.Size == nil {
		e.Summary = it.summary
		if it.size >= 0 {
			e.Size = &it.size
		}
	}
}

func cut(s string) string {
	if len(s) <= maxIPCText {
		return s
	}
	return strings.ToValidUTF8(s[:maxIPCText], "") + "…"
}

// event turns a report into e; false for a report that is malformed or
// only registers an object.
func (s *ipcState) event(pid int, m *ipcMessage, e *event.Event) bool {
	if m.Key == "" || len(m.Key) > maxIPCKey || len(m.Msg) > maxIPCKey || len(m.Other) > maxIPCKey || len(m.Task) > maxIPCKey {
		return false
	}
	if m.Type == event.TypeIPCTruncated && m.Msg != "" {
		return s.objectCut(pid, m, e)
	}
	if m.Type == event.TypeIPCTruncated {
		// Said once per process (so at most once per process of the run):
		// the text is the runner's own, with the process's budget, a number.
		if s.reported > maxIPCEvents || s.cutSaid[pid] || len(s.cutSaid) >= maxIPCObjects {
			return false
		}
		budget, err := strconv.Atoi(m.Other)
		if err != nil || budget < 0 {
			return false
		}
		s.cutSaid[pid] = true
		*e = event.Event{Type: event.TypeIPCTruncated, PID: pid,
			Message: fmt.Sprintf("Process %d reported more than %d messages between processes: the rest of its messages are not shown.", pid, budget)}
		return true
	}
	switch m.Type {
	case "ipc.new":
		s.created(m)
		return false
	case event.TypeWaitBegin, event.TypeWaitEnd:
		return s.wait(pid, m, e)
	case "pipe.pair":
		s.pair(m)
		return false
	}
	if s.reported > maxIPCEvents {
		return false
	}
	*e = event.Event{Type: m.Type, PID: pid, Object: cut(m.Object), Summary: cut(m.Summary)}
	if m.Size >= 0 || m.Index >= 0 || m.WaitedMS >= 0 {
		// The event's numbers live together: one allocation.
		n := &struct {
			size, index int
			waited      float64
		}{m.Size, m.Index, m.WaitedMS}
		if n.size >= 0 {
			e.Size = &n.size
		}
		if n.index >= 0 {
			e.Index = &n.index
		}
		if n.waited >= 0 {
			e.WaitedMS = &n.waited
		}
	}
	if !s.locate(m, e) || !s.share(e) {
		return false
	}
	s.reported++
	switch {
	case s.reported == maxIPCEvents+1:
		*e = event.Event{Type: event.TypeIPCTruncated, PID: pid,
			Message: "More than 30,000 messages between processes: the rest are not shown."}
		return true
	case s.reported > maxIPCEvents:
		return false
	}
	if e.Type == event.TypeQueuePut || e.Type == event.TypeQueueGet {
		if m.Msg != "" {
			s.queueItem(e, m.Msg)
		}
	}
	return true
}

// pair takes a pipe.pair report: the keys of a pipe's two ends.
func (s *ipcState) pair(m *ipcMessage) {
	if len(s.ids) >= maxIPCObjects || m.Other == "" {
		return
	}
	id := s.id("pipe", m.Key)
	s.ids[ipcKey{"pipe", m.Other}] = id
	s.ends[m.Key], s.ends[m.Other] = 0, 1
	if n := s.names[ipcKey{"pipe", m.Key}]; n != "" {
		s.names[ipcKey{"pipe", m.Other}] = n
	} else {
		delete(s.names, ipcKey{"pipe", m.Other})
	}
}

// locate sets the object of an event of type m.Type: its id (and a pipe's
// end, a task's pool), and its name; false for a type that is not an event.
func (s *ipcState) locate(m *ipcMessage, e *event.Event) bool {
	switch m.Type {
	case event.TypeQueuePut, event.TypeQueueGet:
		e.Queue = s.id("queue", m.Key)
		e.Name = s.names[ipcKey{"queue", m.Key}]
	case event.TypePipeSend, event.TypePipeRecv:
		e.Pipe = s.id("pipe", m.Key)
		e.Name = s.names[ipcKey{"pipe", m.Key}]
		end := s.ends[m.Key]
		e.End = &end
	case event.TypePoolSubmit:
		e.Pool = s.id("pool", m.Key)
		e.Task = s.id("task", m.Task)
		s.taskPool[e.Task] = e.Pool
		e.Function = cut(m.Function)
	case event.TypePoolStart, event.TypePoolDone:
		e.Task = s.id("task", m.Key)
		e.Pool = s.taskPool[e.Task]
		e.Function = cut(m.Function)
		e.Error = cut(m.Error)
	case event.TypeShmWrite:
		kind := shmKind(m.Object)
		if kind == "shm" {
			e.Shm = cut(m.Key)
		} else {
			e.Shm = s.id(kind, m.Key)
		}
		e.Name = s.names[ipcKey{kind, m.Key}]
	case event.TypeLockAcquire, event.TypeLockRelease:
		e.Lock = s.id(lockKind(m.Object), m.Key)
		e.Name = s.lockName(m.Key)
	default:
		return false
	}
	return true
}

// objectCut takes a process's report that an object has had its share of
// the process's events (m.Msg: the type of the event it did not report).
// The object's ipc.truncated is said once, for the first process or the
// run's own share (see share).
func (s *ipcState) objectCut(pid int, m *ipcMessage, e *event.Event) bool {
	per, err := strconv.Atoi(m.Other)
	if err != nil || per < 0 || !cuttable[m.Msg] || s.reported > maxIPCEvents {
		return false
	}
	at := *m
	at.Type = m.Msg
	*e = event.Event{PID: pid, Object: cut(m.Object)}
	if !s.locate(&at, e) {
		return false
	}
	id := objectID(e)
	if len(s.cutObj) >= maxIPCObjects || s.cutObj[id] {
		return false
	}
	s.cutObj[id] = true
	*e = event.Event{Type: event.TypeIPCTruncated, PID: pid, Queue: e.Queue, Pipe: e.Pipe, Lock: e.Lock, Shm: e.Shm, Name: e.Name,
		Message: fmt.Sprintf("Process %d reported more than %d events of %s: not all of them are shown.", pid, per, objectLabel(e, id))}
	return true
}

// wait turns a wait report into a wait.begin or wait.end event: the object
// waited on by its id (proc-<pid> for a join), and the operation, from the
// closed set event.WaitOps.
func (s *ipcState) wait(pid int, m *ipcMessage, e *event.Event) bool {
	if s.waits >= maxWaitEvents || !slices.Contains(event.WaitOps, m.Msg) {
		return false
	}
	var id string
	switch m.Object {
	case "Queue", "JoinableQueue":
		id = s.id("queue", m.Key)
	case "Pipe":
		id = s.id("pipe", m.Key)
	case "Pool":
		id = s.id("pool", m.Key)
	case "Process":
		n, err := strconv.Atoi(m.Key)
		if err != nil || n <= 0 || strconv.Itoa(n) != m.Key {
			return false
		}
		id = "proc-" + m.Key
	case "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier", "Value lock":
		id = s.id(lockKind(m.Object), m.Key)
	default:
		return false
	}
	s.waits++
	*e = event.Event{Type: m.Type, PID: pid, Object: id, Op: m.Msg}
	if m.Type == event.TypeWaitEnd {
		w := max(m.WaitedMS, 0)
		e.WaitedMS = &w
	}
	return true
}

// cuttable are the types of event whose object a process may say it cut.
var cuttable = map[string]bool{
	event.TypeQueuePut: true, event.TypeQueueGet: true, event.TypePipeSend: true, event.TypePipeRecv: true,
	event.TypeShmWrite: true, event.TypeLockAcquire: true,
}

// objectLabel is how a message names an object: by its name and its id.
func objectLabel(e *event.Event, id string) string {
	if e.Name != "" {
		return e.Name + " (" + id + ")"
	}
	return id
}

// share keeps an object's events within its share of the run's bound: past
// maxIPCObjectEvents, one ipc.truncated names the object and its further
// events are dropped, but for the release of a lock whose acquire was
// reported (its span ends as it did). It returns whether e is reported.
func (s *ipcState) share(e *event.Event) bool {
	id := objectID(e)
	if e.Type == event.TypeLockRelease {
		h := heldLock{id, e.PID}
		if n := s.held[h]; n > 0 {
			if n == 1 {
				delete(s.held, h)
			} else {
				s.held[h] = n - 1
			}
			return true
		}
	}
	n := s.perObj[id]
	if n > maxIPCObjectEvents {
		return false
	}
	if n == maxIPCObjectEvents {
		s.perObj[id] = n + 1
		said := s.cutObj[id]
		s.cutObj[id] = true
		if said {
			return false
		}
		*e = event.Event{Type: event.TypeIPCTruncated, PID: e.PID, Queue: e.Queue, Pipe: e.Pipe, Pool: e.Pool,
			Lock: e.Lock, Shm: e.Shm, Name: e.Name,
			Message: fmt.Sprintf("More than %d events of %s: the rest of its events are not shown.", maxIPCObjectEvents, objectLabel(e, id))}
		return true
	}
	s.perObj[id] = n + 1
	if e.Type == event.TypeLockAcquire && len(s.held) < maxIPCObjects {
		s.held[heldLock{id, e.PID}]++
	}
	return true
}

// objectID is the id of the object of an IPC event: a task counts towards
// its pool.
func objectID(e *event.Event) string {
	switch {
	case e.Queue != "":
		return e.Queue
	case e.Pipe != "":
		return e.Pipe
	case e.Pool != "":
		return e.Pool
	case e.Lock != "":
		return e.Lock
	case e.Shm != "":
		return e.Shm
	}
	return e.Task
}

// lockKind is the kind of id a lock-like object is numbered in, after its
// class: the hook reports a Condition, an Event and a Barrier as the lock
// they are made of.
func lockKind(object string) string {
	switch object {
	case "Semaphore", "BoundedSemaphore":
		return "semaphore"
	case "Condition":
		return "condition"
	case "Event":
		return "event"
	case "Barrier":
		return "barrier"
	}
	return "lock"
}

func shmKind(object string) string {
	switch object {
	case "SharedMemory":
		return "shm"
	case "Array":
		return "array"
	}
	return "value"
}

// lockName is the name of a lock: its own, or for the lock inside a shared
// value ("L" and the value's key), the value's followed by .get_lock().
func (s *ipcState) lockName(key string) string {
	if n := s.names[ipcKey{"lock", key}]; n != "" {
		return n
	}
	if len(key) > 1 && key[0] == 'L' {
		for _, kind := range [...]string{"value", "array"} {
			if n := s.names[ipcKey{kind, key[1:]}]; n != "" {
				return n + ".get_lock()"
			}
		}
	}
	return ""
}

// created takes an ipc.new report: the program made an object, of a kind
// in createdKinds, and gave it a name (or none). A key used again (the
// inode of a closed pipe, a freed place in the shared heap) is from then
// on the new object's, with an id of its own. A SharedMemory block is
// known by its name, which every process opening it reports: its first
// name stays.
func (s *ipcState) created(m *ipcMessage) {
	kinds, ok := createdKinds[m.Object]
	if !ok {
		return
	}
	k := ipcKey{m.Object, m.Key}
	if m.Object == "shm" && s.names[k] != "" {
		return
	}
	for _, kind := range kinds {
		delete(s.ids, ipcKey{kind, m.Key})
	}
	if m.Object == "value" || m.Object == "array" {
		delete(s.ids, ipcKey{"lock", "L" + m.Key}) // its lock is new too
	}
	delete(s.names, k)
	if m.Summary != "" && len(s.names) < maxIPCObjects && validName(m.Summary) {
		s.names[k] = m.Summary
	}
}

// createdKinds are the kinds of object an ipc.new report may name, each
// with the kinds of id its key may have been given.
var createdKinds = map[string][]string{
	"queue": {"queue"}, "pipe": {"pipe"}, "value": {"value", "array"}, "array": {"value", "array"},
	"lock": {"lock", "semaphore", "condition", "event", "barrier"}, "shm": nil,
}

// validName accepts what the hook makes of an assignment's targets: one or
// two (a pipe's ends, split by "/") names or attributes (a.b), each part
// an identifier, at most 80 bytes in all.
func validName(n string) bool {
	if n == "" || len(n) > 80 {
		return false
	}
	targets := strings.Split(n, "/")
	if len(targets) > 2 {
		return false
	}
	for _, t := range targets {
		parts := strings.Split(t, ".")
		if len(parts) > 2 {
			return false
		}
		for _, p := range parts {
			if !isIdentifier(p) {
				return false
			}
		}
	}
	return true
}

func isIdentifier(p string) bool {
	if p == "" || !utf8.ValidString(p) {
		return false
	}
	for i, r := range p {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
