// Command playground serves the multiprocessing lessons and runs Python
// programs in the sandbox. It only wires the packages together.
//
//	playground [serve] [flags]      serve the lessons (the default)
//	playground run [flags] FILE.py  run one program and print its events
//	playground lessons check [DIR]  run every lesson's programs and verify their checks
//	playground lessons try SLUG EXERCISE FILE.py  judge one program as the page does
//	playground worker --nats URL    run the programs web nodes queue on NATS
//	playground nats --name N --store DIR  run a NATS server (a node of a cluster)
package main

import (
	"os"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/runner/sandbox"
)

func main() {
	os.Exit(subcommand(os.Args[1:]))
}

// subcommand picks the subcommand; it returns the process exit status.
func subcommand(args []string) int {
	// A descriptor this process inherited (a shell's directory, a parent's
	// pipe) would otherwise reach every run's init and program.
	sandbox.CloseInheritedFDs()
	if len(args) > 0 {
		switch args[0] {
		case "run":
			return cli.Run(args[1:], os.Stdout, os.Stderr)
		case "serve":
			return serveCmd(args[1:])
		case "lessons":
			return lessonsCmd(args[1:])
		case "worker":
			return workerCmd(args[1:])
		case "nats":
			return natsCmd(args[1:])
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
  playground worker --nats URL     run the programs that web nodes queue on NATS
  playground nats --name NAME --store DIR
                                   run a NATS server with JetStream (a cluster's node)

Run 'playground COMMAND -h' for the flags of a command.
`
