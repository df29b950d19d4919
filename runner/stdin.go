package runner

import (
	"io"
	"os"
)

// feedStdin copies the run's standard input to the program, and closes
// the program's end when it is done (the program reads end of file).
func feedStdin(src io.Reader, w *os.File) {
	defer w.Close()
	if src != nil {
		_, _ = io.Copy(w, src)
	}
}
