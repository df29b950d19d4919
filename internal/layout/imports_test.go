package layout

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "mpplayground"

// mayImport is, for every package of the project, the packages of the
// project it may import (docs/architecture.md draws them). A new package
// needs a line here.
var mayImport = map[string][]string{
	"event":          {},
	"runner/record":  {"event"},
	"runner/sandbox": {"event", "runner/record"}, // the init side: nothing of the server
	"runner":         {"event", "runner/record", "runner/sandbox"},
	"lessons":        {"event"},
	"store":          {"event"},
	"static":         {},
	"web":            {"event", "runner", "lessons", "store", "static"},
	"dispatch":       {"event", "runner"},

	"cmd/playground":              {"event", "runner", "runner/sandbox", "lessons", "store", "web", "dispatch", "cmd/playground/internal/cli"},
	"cmd/playground/internal/cli": {"event", "runner", "runner/sandbox"},
	"cmd/classroom-load":          {"lessons"},

	"internal/benchprog": {},
	"internal/layout":    {},
	"internal/pgtest":    {},
	"internal/testload":  {},
	"internal/testmem":   {},
}

// projectImports reads the imports of the project's packages from their
// non-test files: package directory -> imported package directories.
func projectImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if dep, ok := strings.CutPrefix(p, module+"/"); ok && !slices.Contains(out[pkg], dep) {
				out[pkg] = append(out[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPackagesImportOnlyWhatTheLayoutAllows(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module's root is not at %s: %v", root, err)
	}
	got := projectImports(t, root)
	var pkgs []string
	for p := range got {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		allowed, ok := mayImport[pkg]
		if !ok {
			t.Errorf("package %s has no rule in mayImport", pkg)
			continue
		}
		for _, dep := range got[pkg] {
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s, which the layout does not allow", pkg, dep)
			}
		}
	}
	for pkg := range mayImport {
		if _, ok := got[pkg]; !ok {
			t.Errorf("mayImport has a rule for %s, which has no Go files", pkg)
		}
	}
}

// The walls of the layout, on the imports as they are, followed through
// every package in between: runner, store and lessons reach no web; the
// init side reaches nothing of the server side; event is a leaf; nothing
// but a command reaches a command.
func TestTheLayoutsWallsStand(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	got := projectImports(t, root)
	reach := func(pkg string) map[string]bool {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(p string) {
			for _, d := range got[p] {
				if !seen[d] {
					seen[d] = true
					walk(d)
				}
			}
		}
		walk(pkg)
		return seen
	}
	for _, pkg := range []string{"runner", "runner/record", "runner/sandbox", "store", "lessons", "event"} {
		if reach(pkg)["web"] {
			t.Errorf("%s reaches web", pkg)
		}
	}
	if r := reach("runner/sandbox"); r["runner"] {
		t.Errorf("the init side (runner/sandbox) reaches the server side (runner)")
	}
	if len(got["event"]) != 0 {
		t.Errorf("event imports %v: it must be a leaf", got["event"])
	}
	for pkg := range got {
		for d := range reach(pkg) {
			// A command may have parts of its own (cmd/X/internal/...).
			if strings.HasPrefix(d, "cmd/") && !strings.HasPrefix(d, pkg+"/internal/") {
				t.Errorf("%s reaches the command %s", pkg, d)
			}
		}
	}
}
