package main

import (
	"fmt"
	"os"
)

// serveCmd serves the web application.
func serveCmd(args []string) int {
	fmt.Fprintln(os.Stderr, "playground: serve is not available yet")
	return 2
}
