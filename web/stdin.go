package web

import (
	"errors"
	"io"
	"sync"
)

// maxStdinPending bounds what the learner may type ahead of the program
// reading it, so a program that never reads stdin cannot grow the buffer.
const maxStdinPending = 64 << 10

var (
	errStdinFull   = errors.New("input is waiting to be read: too much typed ahead")
	errStdinClosed = errors.New("input was already ended")
)

// stdinPipe carries what the learner types to the program. Unlike io.Pipe,
// a write never blocks (the WebSocket reader must keep reading pongs); it
// buffers up to maxStdinPending bytes.
type stdinPipe struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool // end of file sent: reads drain buf then return io.EOF
	gone   bool // the run is over: reads and writes fail
}

func newStdinPipe() *stdinPipe {
	p := &stdinPipe{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Write queues text for the program.
func (p *stdinPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.gone {
		return 0, errStdinClosed
	}
	if len(p.buf)+len(b) > maxStdinPending {
		return 0, errStdinFull
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
	return len(b), nil
}

// CloseWrite sends end of file.
func (p *stdinPipe) CloseWrite() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Read blocks until text is typed, end of file is sent or the run is over.
func (p *stdinPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.closed && !p.gone {
		p.cond.Wait()
	}
	if len(p.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// Close ends the pipe for both sides; a blocked Read returns io.EOF.
func (p *stdinPipe) Close() error {
	p.mu.Lock()
	p.gone = true
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}
