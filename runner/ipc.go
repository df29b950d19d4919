package runner

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// ipcMessage is a report of the startup hook's IPC module
// (hook/_playground_ipc.py): an object of the program, known by a key every
// process holding it computes alike, and what happened to it. On the wire
// it is "\x01" and tab-separated fields in the order of ipcFields (cheaper
// to make in Python and to read here than JSON, at thousands a second).
type ipcMessage struct {
	Type, Key, Object, Msg, Summary string
	Size, Index                     int // -1: absent
	WaitedMS                        float64
	Task, Function, Error, Other    string
	NS                              int64 // CLOCK_MONOTONIC when it happened
}

const ipcPrefix = '\x01'

// ipcReports handles one datagram of IPC reports: one or more lines, in the
// order they happened in process pid. A process sends its reports in
// batches (see the hook), so each event keeps the time the process took
// when it happened, if that is not later than now.
func (t *tracer) ipcReports(pid int, data []byte) {
	now := monoNS()
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 || line[0] != ipcPrefix {
			continue
		}
		m, ok := parseIPC(line)
		if !ok {
			continue
		}
		if e := t.ipcEvent(pid, m); e != nil {
			ns := m.NS
			if ns <= 0 || ns > now {
				ns = now
			}
			t.out.flushPending(t)
			t.wire.send(record{NS: ns, Event: e})
		}
	}
}

func parseIPC(data []byte) (ipcMessage, bool) {
	var m ipcMessage
	f := strings.Split(string(data[1:]), "\t")
	if len(f) != 13 {
		return m, false
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

// Bounds on what a program can make the init remember and report.
const (
	maxIPCObjects = 4096
	maxIPCText    = 200
	// maxIPCEvents bounds the IPC events of one run; past it they are
	// dropped, after one ipc.truncated event says so. (Each process also
	// stops reporting after PLAYGROUND_IPC_BUDGET, 10,000, events of its
	// own, so that a hot loop does not pay for reports nobody will see.)
	maxIPCEvents = 30000 // said in words in ipcEvent
)

// TypeIPCTruncated says that a run's further IPC events are not reported.
const TypeIPCTruncated = "ipc.truncated"

// ipcState turns the hook's keys into short ids that are the same in every
// process and numbered in order of appearance: queue-1, pipe-2, task-3.
type ipcState struct {
	ids      map[string]string // key -> id
	counts   map[string]int    // kind -> ids given
	ends     map[string]int    // pipe end key -> 0 or 1
	taskPool map[string]string // task id -> pool id
	events   int               // IPC events reported
}

func (s *ipcState) init() {
	s.ids = map[string]string{}
	s.counts = map[string]int{}
	s.ends = map[string]int{}
	s.taskPool = map[string]string{}
}

// id returns the id of key, giving it the next one of its kind if new.
func (s *ipcState) id(kind, key string) string {
	if id, ok := s.ids[kind+"\x00"+key]; ok {
		return id
	}
	if len(s.ids) >= maxIPCObjects {
		return kind + "-?"
	}
	s.counts[kind]++
	id := fmt.Sprintf("%s-%d", kind, s.counts[kind])
	s.ids[kind+"\x00"+key] = id
	return id
}

func cut(s string) string {
	if len(s) <= maxIPCText {
		return s
	}
	return strings.ToValidUTF8(s[:maxIPCText], "") + "…"
}

// ipcEvent turns a hook report into an event; it returns nil for a report
// that is malformed or only registers an object.
func (t *tracer) ipcEvent(pid int, m ipcMessage) *Event {
	if m.Key == "" {
		return nil
	}
	s := &t.ipc
	if m.Type == TypeIPCTruncated {
		return &Event{Type: TypeIPCTruncated, PID: pid,
			Message: fmt.Sprintf("Process %d reported more than %s messages between processes: the rest of its messages are not shown.", pid, m.Other)}
	}
	if m.Type != "pipe.pair" {
		s.events++
		switch {
		case s.events == maxIPCEvents+1:
			return &Event{Type: TypeIPCTruncated, PID: pid,
				Message: "More than 30,000 messages between processes: the rest are not shown."}
		case s.events > maxIPCEvents:
			return nil
		}
	}
	e := &Event{Type: m.Type, PID: pid, Object: cut(m.Object), Summary: cut(m.Summary)}
	if m.Size >= 0 {
		e.Size = &m.Size
	}
	if m.Index >= 0 {
		e.Index = &m.Index
	}
	if m.WaitedMS >= 0 {
		e.WaitedMS = &m.WaitedMS
	}
	if m.Msg != "" {
		e.Msg = s.id("msg", m.Msg)
	}
	switch m.Type {
	case "pipe.pair":
		id := s.id("pipe", m.Key)
		s.ids["pipe\x00"+m.Other] = id
		s.ends[m.Key], s.ends[m.Other] = 0, 1
		return nil
	case TypeQueuePut, TypeQueueGet:
		e.Queue = s.id("queue", m.Key)
	case TypePipeSend, TypePipeRecv:
		e.Pipe = s.id("pipe", m.Key)
		end := s.ends[m.Key]
		e.End = &end
	case TypePoolSubmit:
		e.Pool = s.id("pool", m.Key)
		e.Task = s.id("task", m.Task)
		s.taskPool[e.Task] = e.Pool
		e.Function = cut(m.Function)
	case TypePoolStart, TypePoolDone:
		e.Task = s.id("task", m.Key)
		e.Pool = s.taskPool[e.Task]
		e.Function = cut(m.Function)
		e.Error = cut(m.Error)
	case TypeShmWrite:
		switch m.Object {
		case "SharedMemory":
			e.Shm = cut(m.Key)
		case "Array":
			e.Shm = s.id("array", m.Key)
		default:
			e.Shm = s.id("value", m.Key)
		}
	case TypeLockAcquire, TypeLockRelease:
		e.Lock = s.id("lock", m.Key)
	default:
		return nil
	}
	return e
}
