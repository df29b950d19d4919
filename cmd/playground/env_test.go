package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"mpplayground/cmd/playground/internal/cli"
)

func TestEnvNameIsPrefixedUpperCaseWithUnderscores(t *testing.T) {
	for flagName, want := range map[string]string{
		"addr":         "PLAYGROUND_ADDR",
		"db":           "PLAYGROUND_DB",
		"output-limit": "PLAYGROUND_OUTPUT_LIMIT",
		"log-format":   "PLAYGROUND_LOG_FORMAT",
	} {
		if got := cli.EnvName(flagName); got != want {
			t.Errorf("cli.EnvName(%q) = %q, want %q", flagName, got, want)
		}
	}
}

// testFlags is a flag set like a command's, with one flag of each kind.
func testFlags() (*flag.FlagSet, *string, *int, *time.Duration, *bool) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", ":8080", "address")
	runs := fs.Int("max-runs", 0, "runs at once")
	timeout := fs.Duration("timeout", 10*time.Second, "wall time")
	sandbox := fs.Bool("sandbox", true, "sandbox")
	return fs, addr, runs, timeout, sandbox
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestEnvironment(t *testing.T) {
	t.Run("SetsEveryKindOfFlag", func(t *testing.T) {
		fs, addr, runs, timeout, sandbox := testFlags()
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		err := cli.ApplyEnv(fs, env(map[string]string{
			"PLAYGROUND_ADDR": ":9000", "PLAYGROUND_MAX_RUNS": "3",
			"PLAYGROUND_TIMEOUT": "2s", "PLAYGROUND_SANDBOX": "false",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if *addr != ":9000" || *runs != 3 || *timeout != 2*time.Second || *sandbox {
			t.Errorf("got addr %q, max-runs %d, timeout %v, sandbox %v", *addr, *runs, *timeout, *sandbox)
		}
	})
	t.Run("FlagBeatsEnvironment", func(t *testing.T) {
		fs, addr, runs, _, _ := testFlags()
		if err := fs.Parse([]string{"--addr", ":7000"}); err != nil {
			t.Fatal(err)
		}
		if err := cli.ApplyEnv(fs, env(map[string]string{"PLAYGROUND_ADDR": ":9000", "PLAYGROUND_MAX_RUNS": "3"})); err != nil {
			t.Fatal(err)
		}
		if *addr != ":7000" {
			t.Errorf("addr %q: the environment overrode the flag", *addr)
		}
		if *runs != 3 {
			t.Errorf("max-runs %d: the environment was ignored for a flag not given", *runs)
		}
	})
	t.Run("FlagOverridesABadVariable", func(t *testing.T) {
		fs, _, runs, _, _ := testFlags()
		if err := fs.Parse([]string{"--max-runs=2"}); err != nil {
			t.Fatal(err)
		}
		if err := cli.ApplyEnv(fs, env(map[string]string{"PLAYGROUND_MAX_RUNS": "lots"})); err != nil || *runs != 2 {
			t.Errorf("max-runs %d, err %v", *runs, err)
		}
	})
	t.Run("EmptyVariableCountsAsUnset", func(t *testing.T) {
		fs, addr, _, _, sandbox := testFlags()
		fs.Parse(nil)
		if err := cli.ApplyEnv(fs, env(map[string]string{"PLAYGROUND_ADDR": "", "PLAYGROUND_SANDBOX": ""})); err != nil {
			t.Fatal(err)
		}
		if *addr != ":8080" || !*sandbox {
			t.Errorf("addr %q, sandbox %v: an empty variable replaced the default", *addr, *sandbox)
		}
	})
	t.Run("ErrBadValueNamesVariableAndFlag", func(t *testing.T) {
		fs, _, _, _, _ := testFlags()
		fs.Parse(nil)
		err := cli.ApplyEnv(fs, env(map[string]string{"PLAYGROUND_MAX_RUNS": "lots", "PLAYGROUND_TIMEOUT": "soon"}))
		if err == nil {
			t.Fatal("bad values accepted")
		}
		for _, want := range []string{`PLAYGROUND_MAX_RUNS="lots"`, "--max-runs", `PLAYGROUND_TIMEOUT="soon"`, "--timeout"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	})
}

func TestRunTakesItsFlagsFromTheEnvironment(t *testing.T) {
	t.Run("BadValueExitsTwoWithASentence", func(t *testing.T) {
		t.Setenv("PLAYGROUND_PIDS", "lots")
		var out, errb bytes.Buffer
		if code := cli.Run([]string{"x.py"}, &out, &errb); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
		want := `playground: the environment variable PLAYGROUND_PIDS="lots" is not a valid value for --pids`
		if !strings.HasPrefix(errb.String(), want) {
			t.Errorf("stderr %q, want it to start with %q", errb.String(), want)
		}
	})
	t.Run("FlagBeatsEnvironment", func(t *testing.T) {
		prog := writeProgram(t, "import time\ntime.sleep(60)\n")
		t.Setenv("PLAYGROUND_SANDBOX", "off") // needs no sandbox on the host
		t.Setenv("PLAYGROUND_STDIN", "false")
		t.Setenv("PLAYGROUND_JSON", "true")
		t.Setenv("PLAYGROUND_TIMEOUT", "300ms")
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{prog}, "0.3 s"},
			{[]string{"--timeout", "200ms", prog}, "0.2 s"},
		} {
			var out, errb bytes.Buffer
			if code := cli.Run(c.args, &out, &errb); code != 1 {
				t.Fatalf("%v: exit %d, want 1 (timeout); stderr %s", c.args, code, errb.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			var end struct{ Type, Status, Message string }
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &end); err != nil {
				t.Fatalf("%v: PLAYGROUND_JSON was ignored: last line %q", c.args, lines[len(lines)-1])
			}
			if end.Status != "timeout" || !strings.Contains(end.Message, c.want) {
				t.Errorf("%v: run.end %+v, want a timeout after %s", c.args, end, c.want)
			}
		}
	})
}

func TestServeRefusesABadVariable(t *testing.T) {
	for name, value := range map[string]string{"PLAYGROUND_MAX_RUNS": "many", "PLAYGROUND_LOG_FORMAT": "xml"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			if code := serveCmd(nil); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
		})
	}
}

func TestHelpNamesEveryFlagAndItsVariable(t *testing.T) {
	var b bytes.Buffer
	printHelp(&b)
	help := b.String()
	for _, fs := range helpFlagSets() {
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(help, "-"+f.Name+" ") && !strings.Contains(help, "-"+f.Name+"\n") {
				t.Errorf("%s: --%s is not in the help", fs.Name(), f.Name)
			}
			if !strings.Contains(help, "(env "+cli.EnvName(f.Name)+")") {
				t.Errorf("%s: %s is not in the help", fs.Name(), cli.EnvName(f.Name))
			}
		})
	}
}

// helpFlagSets are the flags of every command, as the commands define them.
func helpFlagSets() []*flag.FlagSet {
	serve := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o serveOptions
	o.flags(serve)
	addLogFormatFlag(serve)
	run := flag.NewFlagSet("run", flag.ContinueOnError)
	run.Bool("json", false, "")
	run.Bool("stdin", true, "")
	cli.AddRunnerFlags(run)
	return []*flag.FlagSet{serve, run}
}

func TestLogFormat(t *testing.T) {
	var f logFormat = logText
	if err := f.Set("xml"); err == nil {
		t.Error("--log-format xml accepted")
	}
	if err := f.Set("json"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	f.logger(&b).Info("run ended", "run", "r1", "status", "ok")
	var line map[string]any
	if err := json.Unmarshal(b.Bytes(), &line); err != nil || line["msg"] != "run ended" || line["status"] != "ok" {
		t.Errorf("json log line %q (%v)", b.String(), err)
	}
	b.Reset()
	f = logText
	f.logger(&b).Info("run ended", "status", "ok")
	if !strings.Contains(b.String(), `msg="run ended" status=ok`) {
		t.Errorf("text log line %q", b.String())
	}
}
