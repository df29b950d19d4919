// Command playground serves the multiprocessing lessons and runs Python
// programs in the sandbox. It only wires the packages together.
//
//	playground [serve] [flags]      serve the lessons (the default)
//	playground run [flags] FILE.py  run one program and print its events
//	playground lessons check [DIR]  run every lesson's programs and verify their checks
//	playground lessons try SLUG EXERCISE FILE.py  judge one program as the page does
package main

import (
	"os"

	"mpplayground/runner/sandbox"
)

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

// dispatch picks the subcommand; it returns the process exit status.
func dispatch(args []string) int {
	// A descriptor this process inherited (a shell's directory, a parent's
	// pipe) would otherwise reach every run's init and program.
	sandbox.CloseInheritedFDs()
	if len(args) > 0 {
		switch args[0] {
		case "run":
			return runCmd(args[1:], os.Stdout, os.Stderr)
		case "serve":
			return serveCmd(args[1:])
		case "lessons":
			return lessonsCmd(args[1:])
		case "help", "-h", "-help", "--help":
			printHelp(os.Stdout)
			return 0
		}
	}
	return serveCmd(args)
}

const usage = `playground: learn Python multiprocessing by watching the processes.

Usage:
  playground [serve] [flags]       serve the lessons on http://localhost:8080
  playground run [flags] FILE.py   run a program in the sandbox and show its processes
  playground lessons check [DIR]   run every lesson's programs and verify their checks
  playground lessons try SLUG EXERCISE FILE.py
                                   judge one program against one exercise's checks

Run 'playground COMMAND -h' for the flags of a command.
`
