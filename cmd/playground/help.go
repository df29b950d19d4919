package main

import (
	"flag"
	"fmt"
	"io"

	"mpplayground/cmd/playground/internal/cli"
)

// printHelp writes the usage of every command with each flag, its default
// and its environment variable.
func printHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprintf(w, "\nEvery flag may also be set by an environment variable: %s followed by the flag's\n"+
		"name in capitals, dashes as underscores (--output-limit is %sOUTPUT_LIMIT). A flag\n"+
		"given on the command line wins over its variable; an empty variable counts as unset.\n\n", cli.EnvPrefix, cli.EnvPrefix)

	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o serveOptions
	o.flags(fs)
	addLogFormatFlag(fs)
	cli.DocumentEnv(fs)
	fs.SetOutput(w)
	fmt.Fprintln(w, "Usage: playground [serve] [flags]")
	fs.PrintDefaults()
	fmt.Fprintln(w)
	cli.Run([]string{"-h"}, w, w)
	fmt.Fprintln(w)
	lessonsCheck([]string{"check", "-h"}, w, w)
}
