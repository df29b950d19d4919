package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// EnvPrefix starts the environment variable of every flag: --output-limit
// is also PLAYGROUND_OUTPUT_LIMIT. A container or a service manager can then
// configure the server without a command line.
const EnvPrefix = "PLAYGROUND_"

// EnvName is the environment variable of the flag called name.
func EnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// ParseFlags parses args into fs, then gives each flag that the command
// line left unset the value of its environment variable: the command line
// wins over the environment, which wins over the default. The usage text
// of each flag names its variable. A variable that holds a bad value is
// reported on fs.Output() in a sentence and returned as an error (the
// caller exits with status 2, as for a bad flag).
func ParseFlags(fs *flag.FlagSet, args []string) error {
	DocumentEnv(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := ApplyEnv(fs, os.LookupEnv); err != nil {
		fmt.Fprintf(fs.Output(), "playground: %v\n", err)
		return err
	}
	return nil
}

// DocumentEnv adds the name of its environment variable to the usage text
// of each flag of fs, once.
func DocumentEnv(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		note := "(env " + EnvName(f.Name) + ")"
		if !strings.HasSuffix(f.Usage, note) {
			f.Usage += " " + note
		}
	})
}

// ApplyEnv sets every flag of fs that the command line did not set and
// whose variable lookup finds. An empty variable counts as unset, so
// `-e PLAYGROUND_DB=` keeps the default. It returns one error per bad
// value, each a sentence naming the variable.
func ApplyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := EnvName(f.Name)
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
