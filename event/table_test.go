package event

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// allFields is every field of the table, with seq, t and type.
func allFields() []string {
	seen := map[string]bool{"seq": true, "t": true, "type": true}
	for _, s := range Table {
		for _, f := range FieldsOf(s.Type) {
			seen[f] = true
		}
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The struct and the table name the same fields.
func TestTheEventStructHasTheTablesFields(t *testing.T) {
	tags := map[string]bool{}
	ty := reflect.TypeOf(Event{})
	for i := range ty.NumField() {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		tags[name] = true
	}
	if got, want := sortedKeys(tags), allFields(); !slices.Equal(got, want) {
		t.Errorf("Event's JSON fields\n got %v\nwant %v (the table)", got, want)
	}
}

// Each type's fields, all set, are what the encoder writes: no more.
func TestTheEncoderWritesEachTypesFields(t *testing.T) {
	for _, s := range Table {
		e := fullEvent()
		e.Type = s.Type
		keep := map[string]bool{"seq": true, "t": true, "type": true}
		for _, f := range FieldsOf(s.Type) {
			keep[f] = true
		}
		clearFieldsBut(&e, keep)
		got := jsonKeys(t, e.AppendJSON(nil))
		if want := sortedKeys(keep); !slices.Equal(got, want) {
			t.Errorf("%s: encoded %v, want %v", s.Type, got, want)
		}
	}
}

// clearFieldsBut zeroes every field of e whose JSON name is not in keep.
func clearFieldsBut(e *Event, keep map[string]bool) {
	v := reflect.ValueOf(e).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if !keep[name] {
			v.Field(i).SetZero()
		}
	}
}

var docRow = regexp.MustCompile("^\\| `([a-z._]+)` \\| (.*?) \\| .* \\|$")

// docTables reads the event tables of docs/events.md: each type with the
// fields its row names (a name in backquotes outside parentheses; those
// inside are values).
func docTables(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		m := docRow.FindStringSubmatch(line)
		if m == nil || !strings.Contains(m[1], ".") && m[1] != "output" && m[1] != "limit" && m[1] != "diagnosis" {
			continue
		}
		out[m[1]] = backquoted(stripParens(m[2]))
	}
	return out
}

func stripParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var quoted = regexp.MustCompile("`([^`]+)`")

func backquoted(s string) []string {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// docs/events.md lists every type of the table with the table's fields
// (pid for the IPC events is said once, above their table).
func TestTheDocsListTheTablesFields(t *testing.T) {
	docs := docTables(t)
	for _, s := range Table {
		got, ok := docs[s.Type]
		if !ok {
			t.Errorf("docs/events.md has no row for %s", s.Type)
			continue
		}
		if !slices.Equal(got, s.Fields) {
			t.Errorf("%s: docs/events.md lists %v, the table %v", s.Type, got, s.Fields)
		}
		delete(docs, s.Type)
	}
	for typ := range docs {
		t.Errorf("docs/events.md has a row for %s, which the table does not have", typ)
	}
}

// The values the docs give in parentheses are the closed sets.
func TestTheDocsListTheClosedSets(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "events.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range []struct {
		field string
		set   []string
	}{{"kind", LimitKinds}, {"status", Statuses}, {"via", Vias}, {"stream", Streams}, {"op", WaitOps}, {"pattern", Patterns}} {
		m := regexp.MustCompile("`" + c.field + "` \\(([^)]*)\\)").FindStringSubmatch(doc)
		if m == nil {
			t.Errorf("docs/events.md gives no values of %s", c.field)
			continue
		}
		if got := backquoted(m[1]); !slices.Equal(got, c.set) {
			t.Errorf("%s: docs/events.md lists %v, the package %v", c.field, got, c.set)
		}
	}
}

// jsEventType finds the event types the page's code tells events apart by
// (case "queue.put":, type === "run.end").
var jsEventType = regexp.MustCompile(`(?:case\s+|===?\s*)"([a-z]+\.[a-z]+)"`)

// The page's code tells events apart only by types of the table, and
// handles every IPC type.
func TestThePageKnowsTheTable(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "static", "src", "*.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no page sources: %v", err)
	}
	handled := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, ".test.js") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range jsEventType.FindAllStringSubmatch(string(b), -1) {
			if !Known(m[1]) {
				t.Errorf("%s names an event type the contract does not have: %s", filepath.Base(f), m[1])
			}
			handled[m[1]] = true
		}
	}
	for _, s := range Table {
		if s.IPC && !handled[s.Type] {
			t.Errorf("the page does not handle %s", s.Type)
		}
	}
}

// jsonKeys is the sorted keys of a JSON object.
func jsonKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	keys := map[string]bool{}
	for k := range m {
		keys[k] = true
	}
	return sortedKeys(keys)
}
