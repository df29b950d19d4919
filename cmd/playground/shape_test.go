package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/store"
)

// shape is what two runs of the same program share whatever the timing:
// the processes (name, via, how they ended), the output lines per process
// name, the IPC event kinds but for waits, and how the run ended.
func shape(t *testing.T, raws []json.RawMessage) string {
	t.Helper()
	type ev struct {
		Type   string `json:"type"`
		PID    int    `json:"pid"`
		Name   string `json:"name"`
		Via    string `json:"via"`
		Text   string `json:"text"`
		Code   *int   `json:"code"`
		Signal string `json:"signal"`
		Status string `json:"status"`
	}
	names := map[int]string{}
	var procs, lines, other []string
	for _, r := range raws {
		var e ev
		if err := json.Unmarshal(r, &e); err != nil {
			t.Fatalf("not JSON: %s", r)
		}
		switch e.Type {
		case "proc.start":
			names[e.PID] = e.Name
			procs = append(procs, e.Name+"/"+e.Via)
		case "proc.exit":
			end := e.Signal
			if e.Code != nil {
				end = fmt.Sprint(*e.Code)
			}
			if strings.Contains(names[e.PID], "PoolWorker") {
				// A pool's with-block ends its workers with terminate():
				// each either got its last task's sentinel first or not.
				end = "somehow"
			}
			procs = append(procs, names[e.PID]+" ended "+end)
		case "output":
			// Which worker printed a line depends on timing: the kind of
			// process is kept, not its number.
			kind := strings.TrimRight(names[e.PID], "-0123456789")
			for _, l := range strings.SplitAfter(e.Text, "\n") {
				if l != "" {
					lines = append(lines, kind+": "+l)
				}
			}
		case "run.end":
			other = append(other, "end "+e.Status)
		case "run.start":
			other = append(other, "start")
		case "wait.begin", "wait.end":
			// A call is a wait only if it still blocks 1 ms after it
			// began: the main process's Pool.map is one on a busy
			// machine, and not always on a quiet one.
		default:
			other = append(other, e.Type)
		}
	}
	sort.Strings(procs)
	sort.Strings(lines)
	sort.Strings(other)
	return strings.Join(procs, "\n") + "\n--\n" + strings.Join(lines, "") + "--\n" + strings.Join(other, "\n")
}

// A run over the WebSocket and `playground run --json` of the same
// program give streams of the same shape.
func TestWebSocketStreamHasTheShapeOfRunJSON(t *testing.T) {
	requireSandbox(t)
	program := `
import multiprocessing as mp, os
def square(x):
    print("square of", x, flush=True)
    return x * x
if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(square, range(4)))
`
	var out, errb bytes.Buffer
	if code := cli.Run([]string{"--json", "--stdin=false", writeProgram(t, program)}, &out, &errb); code != 0 {
		t.Fatalf("playground run: exit %d: %s", code, errb.String())
	}
	var cli []json.RawMessage
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		cli = append(cli, json.RawMessage(l))
	}
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns}
	base, _ := startServe(t, o)
	c := dialWS(t, base)
	defer c.Close()
	ws, err := runWS(c, program, nil)
	if err != nil || !ws.End {
		t.Fatalf("WebSocket run: %v", err)
	}
	if a, b := shape(t, cli), shape(t, ws.Raws); a != b {
		t.Errorf("shapes differ\nplayground run --json:\n%s\n\nWebSocket:\n%s", a, b)
	}
}
