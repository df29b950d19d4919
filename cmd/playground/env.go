package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// envPrefix starts the environment variable of every flag: --output-limit
// is also PLAYGROUND_OUTPUT_LIMIT. A container or a service manager can then
// configure the server without a command line.
const envPrefix = "PLAYGROUND_"

// envName is the environment variable of the flag called name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags parses args into fs, then gives each flag that the command
// line left unset the value of its environment variable: the command line
// wins over the environment, which wins over the default. The usage text
// of each flag names its variable. A variable that holds a bad value is
// reported on fs.Output() in a sentence and returned as an error (the
// caller exits with status 2, as for a bad flag).
func parseFlags(fs *flag.FlagSet, args []string) error {
	documentEnv(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := applyEnv(fs, os.LookupEnv); err != nil {
		fmt.Fprintf(fs.Output(), "playground: %v\n", err)
		return err
	}
	return nil
}

// documentEnv adds the name of its environment variable to the usage text
// of each flag of fs, once.
func documentEnv(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		note := "(env " + envName(f.Name) + ")"
		if !strings.HasSuffix(f.Usage, note) {
			f.Usage += " " + note
		}
	})
}

// applyEnv sets every flag of fs that the command line did not set and
// whose variable lookup finds. An empty variable counts as unset, so
// `-e PLAYGROUND_DB=` keeps the default. It returns one error per bad
// value, each a sentence naming the variable.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v, ok := lookup(name)
		if given[f.Name] || !ok || v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("the environment variable %s=%q is not a valid value for --%s (%v)", name, v, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// printHelp writes the usage of every command with each flag, its default
// and its environment variable.
func printHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprintf(w, "\nEvery flag may also be set by an environment variable: %s followed by the flag's\n"+
		"name in capitals, dashes as underscores (--output-limit is %sOUTPUT_LIMIT). A flag\n"+
		"given on the command line wins over its variable; an empty variable counts as unset.\n\n", envPrefix, envPrefix)

	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o serveOptions
	o.flags(fs)
	addLogFormatFlag(fs)
	documentEnv(fs)
	fs.SetOutput(w)
	fmt.Fprintln(w, "Usage: playground [serve] [flags]")
	fs.PrintDefaults()
	fmt.Fprintln(w)
	runCmd([]string{"-h"}, w, w)
	fmt.Fprintln(w)
	lessonsCheck([]string{"check", "-h"}, w, w)
}
