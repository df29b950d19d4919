package runner

import (
	"fmt"
	"strconv"
	"strings"

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
	maxIPCText    = 200
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
	ends     map[string]int        // pipe end key -> 0 or 1
	taskPool map[string]string     // task id -> pool id
	msgs     map[string]queuedItem // queue item put and not yet taken
	reported int                   // IPC events reported
	cutSaid  map[int]bool          // processes whose own ipc.truncated was reported
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
	if len(s.ids) >= maxIPCObjects {
		return kind + "-?"
	}
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
	if m.Type != "pipe.pair" {
		s.reported++
		switch {
		case s.reported == maxIPCEvents+1:
			*e = event.Event{Type: event.TypeIPCTruncated, PID: pid,
				Message: "More than 30,000 messages between processes: the rest are not shown."}
			return true
		case s.reported > maxIPCEvents:
			return false
		}
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
	switch m.Type {
	case "pipe.pair":
		if len(s.ids) >= maxIPCObjects || m.Other == "" {
			return false
		}
		id := s.id("pipe", m.Key)
		s.ids[ipcKey{"pipe", m.Other}] = id
		s.ends[m.Key], s.ends[m.Other] = 0, 1
		return false
	case event.TypeQueuePut, event.TypeQueueGet:
		e.Queue = s.id("queue", m.Key)
		if m.Msg != "" {
			s.queueItem(e, m.Msg)
		}
	case event.TypePipeSend, event.TypePipeRecv:
		e.Pipe = s.id("pipe", m.Key)
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
		switch m.Object {
		case "SharedMemory":
			e.Shm = cut(m.Key)
		case "Array":
			e.Shm = s.id("array", m.Key)
		default:
			e.Shm = s.id("value", m.Key)
		}
	case event.TypeLockAcquire, event.TypeLockRelease:
		e.Lock = s.id("lock", m.Key)
	default:
		return false
	}
	return true
}
