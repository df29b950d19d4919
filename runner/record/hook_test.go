package record

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The hook's files cross after the config line as they were, and a size
// past the bound or short bytes are refused, not read into memory.
func TestTheHookFollowsTheConfigLineAsItWas(t *testing.T) {
	files := []HookFile{
		{Name: "sitecustomize.py", Source: []byte("import x\n"), PycName: "sitecustomize.cpython-311.pyc", Pyc: []byte{0, 1, 2, 0xff}},
		{Name: "_playground_ipc.py", Source: []byte(strings.Repeat("y", 5000)), PycName: "_playground_ipc.cpython-311.pyc"},
	}
	sizes, blob := HookBlob(files)
	line, _ := json.Marshal(Config{RunID: "r", HookSizes: sizes})
	var in bytes.Buffer
	in.Write(line)
	in.WriteByte('\n')
	in.Write(blob)
	in.WriteString(CmdGo)

	gotLine, _ := in.ReadBytes('\n')
	var cfg Config
	if err := json.Unmarshal(gotLine, &cfg); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHook(&in, cfg.HookSizes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("%d files, want %d", len(got), len(files))
	}
	for i, f := range files {
		if got[i].Name != f.Name || got[i].PycName != f.PycName || !bytes.Equal(got[i].Source, f.Source) || !bytes.Equal(got[i].Pyc, f.Pyc) {
			t.Errorf("file %d: %+v, want %+v", i, got[i], f)
		}
	}
	if rest := in.String(); rest != CmdGo {
		t.Errorf("left after the hook: %q, want the go command", rest)
	}

	if _, err := ReadHook(strings.NewReader(""), []HookSize{{Name: "big", Source: MaxHookBytes + 1}}); err == nil {
		t.Error("a hook over the bound was read")
	}
	if _, err := ReadHook(strings.NewReader("abc"), []HookSize{{Name: "short", Source: 10}}); err == nil {
		t.Error("a hook shorter than its sizes was read")
	}
	if _, err := ReadHook(strings.NewReader(""), []HookSize{{Name: "neg", Source: -1, Pyc: 2}}); err == nil {
		t.Error("a negative size was read")
	}
}
