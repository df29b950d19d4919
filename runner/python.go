package runner

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

//go:embed hook/sitecustomize.py
var hookSource []byte

// interpreter is the real Python behind the configured name: python3 on
// PATH may be a shim script (pyenv puts one first) in a directory the
// sandbox hides, so it is resolved once and then called by absolute path.
type interpreter struct {
	Executable string   // absolute path of the binary
	Version    string   // "3.11.2"
	Binds      []string // host directories it needs besides /usr
	PycName    string   // file name of the compiled hook under __pycache__
	HookPyc    []byte   // the hook, compiled by this interpreter
}

// probeTimeout bounds the one-off interpreter probe.
const probeTimeout = 20 * time.Second

// probeScript prints what the runner needs to know of the interpreter and
// compiles the startup hook with it (unchecked hash: the .pyc is used as is).
const probeScript = `
import sys, os, json, base64, tempfile, py_compile, importlib.util
src = sys.stdin.buffer.read()
d = tempfile.mkdtemp()
py = os.path.join(d, "sitecustomize.py")
with open(py, "wb") as f:
    f.write(src)
pyc = importlib.util.cache_from_source(py)
py_compile.compile(py, cfile=pyc, doraise=True,
                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
with open(pyc, "rb") as f:
    data = f.read()
json.dump({
    "executable": os.path.realpath(sys.executable),
    "version": "%d.%d.%d" % sys.version_info[:3],
    "prefixes": sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}),
    "pyc_name": os.path.basename(pyc),
    "pyc": base64.b64encode(data).decode(),
}, sys.stdout)
`

func resolveInterpreter(name string) (*interpreter, error) {
	if name == "" {
		name = "python3"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("find python %q: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-I", "-c", probeScript)
	cmd.Stdin = strings.NewReader(string(hookSource))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("probe python %s: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	var p struct {
		Executable string   `json:"executable"`
		Version    string   `json:"version"`
		Prefixes   []string `json:"prefixes"`
		PycName    string   `json:"pyc_name"`
		Pyc        []byte   `json:"pyc"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("probe python %s: %w", path, err)
	}
	if _, err := os.Stat(p.Executable); err != nil {
		return nil, fmt.Errorf("python %s: %w", p.Executable, err)
	}
	in := &interpreter{Executable: p.Executable, Version: p.Version, PycName: p.PycName, HookPyc: p.Pyc}
	for _, d := range append(p.Prefixes, filepath.Dir(p.Executable)) {
		if !underHostDirs(d) && !contains(in.Binds, d) {
			in.Binds = append(in.Binds, d)
		}
	}
	return in, nil
}

func underHostDirs(p string) bool {
	for _, d := range hostDirs {
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
