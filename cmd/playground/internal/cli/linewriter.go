package cli

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// lineFlushInterval bounds how long a line may wait in the buffer: a
// reader of `playground run --json` sees events promptly, while a burst of
// thousands is written in a few system calls.
const lineFlushInterval = 10 * time.Millisecond

// lineWriter buffers whole lines and flushes them within lineFlushInterval.
type lineWriter struct {
	mu    sync.Mutex
	w     *bufio.Writer
	timer *time.Timer
}

func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (l *lineWriter) Write(line []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(line)
	if l.timer == nil {
		l.timer = time.AfterFunc(lineFlushInterval, l.flush)
	}
}

func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.w.Flush()
	l.timer = nil
}

// Close flushes what is left.
func (l *lineWriter) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	_ = l.w.Flush()
}
