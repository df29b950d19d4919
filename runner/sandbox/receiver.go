package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/sys/unix"

	"mpplayground/event"
	"mpplayground/runner/record"
)

const (
	// maxDatagram is the largest write one datagram can carry here.
	maxDatagram = 4 << 20
	// maxHookMessage bounds a message of the startup hook (a batch of IPC
	// reports is at most 128 KiB, or one report).
	maxHookMessage = 256 << 10
)

// gatherDelay is how long the receiver lets datagrams gather after a
// drain: a busy run then costs one wake-up of the init and of the runner
// per gathering, not per datagram, for at most this much latency.
const gatherDelay = time.Millisecond

// receive drains the socket whenever it is readable, until it is closed.
func (t *tracer) receive() {
	rc, err := t.rx.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(uintptr) bool {
		t.mu.Lock()
		t.drain()
		t.wire.flush()
		t.mu.Unlock()
		time.Sleep(gatherDelay)
		return false
	})
}

var (
	rxBuf  []byte // maxDatagram bytes, mapped by the first receive (newRxBuf)
	rxOOB  = make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	rxName unix.RawSockaddrUnix
	rxIov  unix.Iovec
	rxMsg  unix.Msghdr
)

// newRxBuf maps the receive buffer outside the Go heap: 4 MiB there would
// set off a garbage collection in every run, for a buffer that lives as
// long as the init and whose pages the kernel fills only as far as the
// largest datagram.
func newRxBuf() []byte {
	if b, err := unix.Mmap(-1, 0, maxDatagram, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err == nil {
		return b
	}
	return make([]byte, maxDatagram)
}

// recvDatagram reads one datagram without allocating: the sender's pid
// (from SCM_CREDENTIALS), its bound name and the payload.
func recvDatagram(fd int) (pid int, name []byte, data []byte, err error) {
	if rxBuf == nil {
		rxBuf = newRxBuf()
	}
	rxIov.Base = &rxBuf[0]
	rxIov.SetLen(len(rxBuf))
	rxMsg = unix.Msghdr{
		Name:    (*byte)(unsafe.Pointer(&rxName)),
		Namelen: uint32(unsafe.Sizeof(rxName)),
		Iov:     &rxIov,
		Iovlen:  1,
		Control: &rxOOB[0],
	}
	rxMsg.SetControllen(len(rxOOB))
	n, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&rxMsg)), unix.MSG_DONTWAIT)
	if errno != 0 {
		return 0, nil, nil, errno
	}
	if rxMsg.Controllen >= uint64(unix.CmsgLen(unix.SizeofUcred)) {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&rxOOB[0]))
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_CREDENTIALS {
			cred := (*unix.Ucred)(unsafe.Pointer(&rxOOB[unix.CmsgLen(0)]))
			pid = int(cred.Pid)
		}
	}
	// The name of an abstract address starts with a NUL byte, shown as '@'.
	nameLen := int(rxMsg.Namelen) - int(unsafe.Offsetof(rxName.Path))
	if nameLen > 0 {
		name = (*[len(rxName.Path)]byte)(unsafe.Pointer(&rxName.Path[0]))[:nameLen]
	}
	return pid, name, rxBuf[:n], nil
}

// drain reads every queued datagram, in the kernel's order. Called with mu
// held: the queue order is the order of the writes, across processes and
// across stdout and stderr.
func (t *tracer) drain() {
	fd := int(t.rx.Fd())
	for {
		pid, name, data, err := recvDatagram(fd)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			break
		}
		switch {
		case abstractNameIs(name, t.outName):
			t.output(pid, "stdout", data)
		case abstractNameIs(name, t.errName):
			t.output(pid, "stderr", data)
		default:
			t.hookMessage(pid, data)
		}
	}
	t.out.flushPending(t)
}

// abstractNameIs compares a raw abstract socket name with "@name".
func abstractNameIs(raw []byte, name string) bool {
	return len(raw) == len(name) && len(raw) > 0 && raw[0] == 0 && string(raw[1:]) == name[1:]
}

// output accounts a write of a process and queues it for the stream.
func (t *tracer) output(pid int, stream string, data []byte) {
	p := t.procs[pid]
	if p == nil || t.out.cut {
		return
	}
	t.ensureStarted(p)
	room := t.out.limit - t.out.total
	over := int64(len(data)) > room
	if over {
		data = data[:max(room, 0)]
	}
	t.out.total += int64(len(data))
	t.out.add(t, pid, stream, data)
	if stream == "stderr" && watchMemoryDeaths(t.cfg) {
		t.keepStderrTail(pid, data)
	}
	if over {
		t.out.cut = true
		t.out.flushPending(t)
		t.wire.send(record.Record{Limit: event.LimitOutput})
		t.killAllLocked()
	}
}

type streamKey struct {
	pid    int
	stream string
}

// outputState merges consecutive writes of one process into one event and
// keeps a multi-byte character split across two writes whole.
type outputState struct {
	limit, total int64
	cut          bool
	carry        map[streamKey][]byte
	pendKey      streamKey
	pendNS       int64
	pend         []byte
}

func (o *outputState) init(limit int64) {
	o.limit = limit
	o.carry = map[streamKey][]byte{}
}

// add queues a write. One write may be larger than an event may carry (a
// datagram holds up to net.core.wmem_max bytes): it is cut into events of
// at most record.MaxOutputText bytes, so that no record exceeds its bound.
func (o *outputState) add(t *tracer, pid int, stream string, data []byte) {
	k := streamKey{pid, stream}
	for len(data) > 0 {
		if len(o.pend) > 0 && (k != o.pendKey || len(o.pend) >= record.MaxOutputText) {
			o.flushPending(t)
		}
		if len(o.pend) == 0 {
			o.pendKey = k
			o.pendNS = record.MonoNS()
			if c := o.carry[k]; len(c) > 0 {
				o.pend = append(o.pend, c...)
				delete(o.carry, k)
			}
		}
		n := min(len(data), max(record.MaxOutputText-len(o.pend), 0))
		o.pend = append(o.pend, data[:n]...)
		data = data[n:]
	}
}

func (o *outputState) flushPending(t *tracer) {
	if len(o.pend) == 0 {
		return
	}
	n := completeUTF8(o.pend)
	if n < len(o.pend) {
		o.carry[o.pendKey] = append([]byte(nil), o.pend[n:]...)
	}
	if n > 0 {
		t.wire.send(record.Record{NS: o.pendNS, Event: &event.Event{
			Type: event.TypeOutput, PID: o.pendKey.pid, Stream: o.pendKey.stream,
			Text: strings.ToValidUTF8(string(o.pend[:n]), "\uFFFD"),
		}})
	}
	o.pend = o.pend[:0]
}

// flushProc reports what is left of a process's output before its exit.
func (o *outputState) flushProc(t *tracer, pid int) {
	if o.pendKey.pid == pid {
		o.flushPending(t)
	}
	for _, s := range []string{"stdout", "stderr"} {
		k := streamKey{pid, s}
		if c := o.carry[k]; len(c) > 0 {
			delete(o.carry, k)
			t.wire.send(record.Record{Event: &event.Event{Type: event.TypeOutput, PID: pid, Stream: s,
				Text: strings.ToValidUTF8(string(c), "\uFFFD")}})
		}
	}
}

// completeUTF8 returns the length of b without a trailing, possibly
// incomplete, multi-byte sequence.
func completeUTF8(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
		c := b[i]
		if c < utf8.RuneSelf {
			return len(b)
		}
		if utf8.RuneStart(c) {
			need := 1
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			case c >= 0xC0:
				need = 2
			}
			if len(b)-i < need {
				return i
			}
			return len(b)
		}
	}
	return len(b)
}

// hookMessage is what the startup hook inside a Python process says: the
// name a child will have, announced just before it is started.
type hookMessage struct {
	Kind string `json:"k"`
	Name string `json:"name"`
	TID  int    `json:"tid"`
}

func (t *tracer) hookMessage(pid int, data []byte) {
	if pid == 0 || t.procs[pid] == nil || len(data) == 0 || len(data) > maxHookMessage {
		return
	}
	if data[0] == record.IPCPrefix {
		// Read by the runner (ipc.go); here only put in its place, and
		// counted: past what the runner could report, none is passed on,
		// and nothing at all when the run asked for no IPC events.
		if !t.cfg.IPC || t.ipcLines > record.IPCForwardLines || t.ipcBytes+len(data) > record.IPCForwardBytes {
			return
		}
		t.ipcLines += bytes.Count(data, []byte{'\n'}) + 1
		t.ipcBytes += len(data)
		t.out.flushPending(t)
		t.wire.send(record.Record{IPC: &record.IPCBatch{PID: pid, Lines: string(data)}})
		return
	}
	var m hookMessage
	if json.Unmarshal(data, &m) != nil {
		return
	}
	if m.Kind == "shm_limit" {
		// A SharedMemory block larger than /dev/shm was asked for (see the
		// hook). Believing it costs nothing: it ends only this run.
		if t.cfg.Sandbox && !t.diskFull {
			t.diskFull = true
			t.out.flushPending(t)
			t.wire.send(record.Record{Limit: event.LimitDisk, Where: "/dev/shm"})
			t.killAllLocked()
		}
		return
	}
	t.ann.add(pid, m, t.tasks)
}
