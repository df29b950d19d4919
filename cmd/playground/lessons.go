package main

import (
	"fmt"
	"os"
)

// lessonsCmd runs the lesson tools (lessons check).
func lessonsCmd(args []string) int {
	fmt.Fprintln(os.Stderr, "playground: lessons check is not available yet")
	return 2
}
