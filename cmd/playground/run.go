package main

import (
	"fmt"
	"io"
)

// runCmd runs one program in the sandbox.
func runCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "playground: run is not available yet")
	return 2
}
