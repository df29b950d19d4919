package runner

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"mpplayground/runner/record"
	"mpplayground/runner/sandbox"
)

// hookFS holds the startup hook: sitecustomize.py, which every Python
// process of a run imports, and the module it loads for IPC events.
//
//go:embed hook/*.py
var hookFS embed.FS

func hookSources() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := hookFS.ReadDir("hook")
	for _, e := range entries {
		b, _ := hookFS.ReadFile("hook/" + e.Name())
		out[e.Name()] = b
	}
	return out
}

// interpreter is the real Python behind the configured name: python3 on
// PATH may be a shim script (pyenv puts one first) in a directory the
// sandbox hides, so it is resolved once and then called by absolute path.
type interpreter struct {
	Executable string            // absolute path of the binary
	Version    string            // "3.11.2"
	Binds      []string          // host directories it needs besides /usr
	Hook       []record.HookFile // the startup hook, compiled by this interpreter
	// hookSizes and hookBlob are Hook as it follows each run's config.
	hookSizes []record.HookSize
	hookBlob  []byte
}

// probeTimeout bounds the one-off interpreter probe.
const probeTimeout = 20 * time.Second

// probeScript prints what the runner needs to know of the interpreter and
// compiles the startup hook's files with it (unchecked hash: each .pyc is
// used as is, whatever the time stamp of its source).
const probeScript = `
import sys, os, json, base64, tempfile, py_compile, importlib.util
sources = json.load(sys.stdin)
hook = []
with tempfile.TemporaryDirectory() as d:
    for name, src in sorted(sources.items()):
        py = os.path.join(d, name)
        with open(py, "w") as f:
            f.write(src)
        pyc = importlib.util.cache_from_source(py)
        py_compile.compile(py, cfile=pyc, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        with open(pyc, "rb") as f:
            hook.append({"name": name, "source": base64.b64encode(src.encode()).decode(),
                         "pyc_name": os.path.basename(pyc), "pyc": base64.b64encode(f.read()).decode()})
json.dump({
    "executable": os.path.realpath(sys.executable),
    "version": "%d.%d.%d" % sys.version_info[:3],
    "prefixes": sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}),
    "hook": hook,
}, sys.stdout)
`

func resolveInterpreter(name string) (*interpreter, error) {
	if name == "" {
		name = DefaultPython
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("find python %q: %w", name, err)
	}
	key, cacheable := probeKey(path)
	var p probed
	if !cacheable || !readProbeCache(key, &p) {
		if p, err = probe(path); err != nil {
			return nil, err
		}
		if cacheable {
			writeProbeCache(key, p)
		}
	}
	if _, err := os.Stat(p.Executable); err != nil {
		return nil, fmt.Errorf("python %s: %w", p.Executable, err)
	}
	py := &interpreter{Executable: p.Executable, Version: p.Version, Hook: p.Hook}
	py.hookSizes, py.hookBlob = record.HookBlob(p.Hook)
	for _, d := range append(p.Prefixes, filepath.Dir(p.Executable)) {
		if !underHostDirs(d) && !contains(py.Binds, d) {
			py.Binds = append(py.Binds, d)
		}
	}
	return py, nil
}

// probed is what the probe script tells of an interpreter.
type probed struct {
	Executable string            `json:"executable"`
	Version    string            `json:"version"`
	Prefixes   []string          `json:"prefixes"`
	Hook       []record.HookFile `json:"hook"`
}

// probe runs the probe script with the interpreter at path (a variable, so
// that a test can count its calls).
var probe = func(path string) (probed, error) {
	var p probed
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-I", "-c", probeScript)
	sources := map[string]string{}
	for name, b := range hookSources() {
		sources[name] = string(b)
	}
	in, _ := json.Marshal(sources)
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return p, fmt.Errorf("probe python %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return p, fmt.Errorf("probe python %s: %w", path, err)
	}
	return p, nil
}

func underHostDirs(p string) bool {
	for _, d := range sandbox.HostDirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.HasPrefix(s, x+"/") {
			return true
		}
	}
	return false
}
