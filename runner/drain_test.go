package runner

import (
	"os"
	"testing"
)

// The runner reads a gone init's stream to its end when no other process
// holds it open, however long that takes on a busy machine: it tells the
// two apart by the pipe, not by the clock. (Under load a server's reader
// can be late by more than streamDrainGrace: the last records of a run
// were lost that way, and a print taken for a SIGKILL.)
func TestWritersGoneSeesTheLastWriterClose(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if writersGone(r) {
		t.Fatal("a pipe still open for writing is taken for ended")
	}
	if _, err := w.Write([]byte("the last records")); err != nil {
		t.Fatal(err)
	}
	if writersGone(r) {
		t.Fatal("a pipe with data and a writer is taken for ended")
	}
	w.Close()
	if !writersGone(r) {
		t.Fatal("a pipe whose only writer closed, its data unread, is not seen as ended")
	}
	buf := make([]byte, 64)
	if n, _ := r.Read(buf); string(buf[:n]) != "the last records" {
		t.Fatalf("read %q", buf[:n])
	}
}
