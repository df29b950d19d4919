package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"mpplayground/event"
)

// Transcript writes a run's events for a person at a terminal: each output
// line prefixed with its pid and process name, process starts and exits as
// short lines, and a closing summary with the process tree.
type Transcript struct {
	w       io.Writer
	colour  bool
	procs   map[int]*transcriptProc
	order   []int
	partial map[streamKey]string // an unfinished line of a process
}

// streamKey is one stream of one process.
type streamKey struct {
	pid    int
	stream string
}

type transcriptProc struct {
	pid, ppid int
	name      string
	via       string
	end       string
	colour    int
}

// NewTranscript writes to w, with ANSI colours when colour is true.
func NewTranscript(w io.Writer, colour bool) *Transcript {
	return &Transcript{w: w, colour: colour, procs: map[int]*transcriptProc{}, partial: map[streamKey]string{}}
}

var transcriptColours = []int{36, 33, 35, 32, 34, 91, 96, 93, 95, 92, 94}

func (t *Transcript) paint(code int, s string) string {
	if !t.colour {
		return s
	}
	return fmt.Sprintf("\x1b[%dm%s\x1b[0m", code, s)
}

func (t *Transcript) label(pid int) string {
	p := t.procs[pid]
	if p == nil {
		return fmt.Sprintf("[%d]", pid)
	}
	return t.paint(p.colour, fmt.Sprintf("[%d %s]", pid, p.name))
}

// Write prints one event.
func (t *Transcript) Write(e event.Event) {
	switch e.Type {
	case event.TypeRunStart:
		sb := "sandbox off"
		if e.Sandbox != nil && e.Sandbox.Enabled {
			sb = "sandbox on, cgroup " + e.Sandbox.Cgroup
		}
		fmt.Fprintf(t.w, "%s\n", t.paint(90, fmt.Sprintf("── run %s · Python %s · %s", e.RunID, e.Python, sb)))
	case event.TypeProcStart:
		ppid := 0
		if e.PPID != nil {
			ppid = *e.PPID
		}
		p := &transcriptProc{pid: e.PID, ppid: ppid, name: terminalSafe(e.Name), via: e.Via, colour: transcriptColours[len(t.order)%len(transcriptColours)]}
		t.procs[e.PID] = p
		t.order = append(t.order, e.PID)
		fmt.Fprintf(t.w, "%s %s\n", t.label(e.PID), t.paint(90, fmt.Sprintf("started (%s, parent %d)", e.Via, ppid)))
	case event.TypeProcExec:
		// A forked copy that runs another program is known by that program;
		// a process started by exec or spawn already has its name.
		if p := t.procs[e.PID]; p != nil && len(e.Argv) > 0 && p.via == "fork" {
			p.name = terminalSafe(shortProgram(e.Argv[0]))
		}
		fmt.Fprintf(t.w, "%s %s\n", t.label(e.PID), t.paint(90, "exec "+terminalSafe(strings.Join(e.Argv, " "))))
	case event.TypeOutput:
		t.output(e)
	case event.TypeProcExit:
		t.flush(e.PID)
		end := exitText(e)
		if p := t.procs[e.PID]; p != nil {
			p.end = end
		}
		fmt.Fprintf(t.w, "%s %s\n", t.label(e.PID), t.paint(90, end))
	case event.TypeLimit:
		fmt.Fprintf(t.w, "%s\n", t.paint(91, e.Message))
	case event.TypeIPCTruncated:
		fmt.Fprintf(t.w, "%s\n", t.paint(90, e.Message))
	default:
		if line := ipcText(e); line != "" {
			fmt.Fprintf(t.w, "%s %s\n", t.label(e.PID), t.paint(90, terminalSafe(line)))
		}
	case event.TypeRunEnd:
		for k := range t.partial {
			t.flush(k.pid)
		}
		t.summary(e)
	}
}

// terminalSafe shows the control characters of a text the program chose (a
// process name, argv, an IPC summary) as escapes: a newline in a name must
// not forge a line of the transcript, nor an ESC or OSC sequence reach the
// terminal (a window title, a clipboard write). Output keeps its bytes, as
// on a terminal of the learner's own.
func terminalSafe(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isControl(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

// isControl: C0 and C1 controls, DEL, and the Unicode marks that reorder
// the text around them.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func shortProgram(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func exitText(e event.Event) string {
	if e.Signal != "" {
		return "killed by " + e.Signal
	}
	if e.Code != nil {
		return fmt.Sprintf("exited %d", *e.Code)
	}
	return "exited"
}

func (t *Transcript) output(e event.Event) {
	k := streamKey{e.PID, e.Stream}
	text := t.partial[k] + e.Text
	lines := strings.Split(text, "\n")
	t.partial[k] = lines[len(lines)-1]
	if t.partial[k] == "" {
		delete(t.partial, k)
	}
	for _, l := range lines[:len(lines)-1] {
		t.line(e.PID, e.Stream, l)
	}
}

func (t *Transcript) line(pid int, stream, text string) {
	if stream == "stderr" {
		text = t.paint(31, text)
	}
	fmt.Fprintf(t.w, "%s %s\n", t.label(pid), text)
}

func (t *Transcript) flush(pid int) {
	for _, s := range []string{"stdout", "stderr"} {
		k := streamKey{pid, s}
		if rest, ok := t.partial[k]; ok {
			delete(t.partial, k)
			t.line(pid, s, rest)
		}
	}
}

func (t *Transcript) summary(e event.Event) {
	dur := 0.0
	if e.DurationMS != nil {
		dur = *e.DurationMS
	}
	fmt.Fprintf(t.w, "%s\n", t.paint(90, fmt.Sprintf("── %s in %.1f ms: %s", e.Status, dur, e.Message)))
	children := map[int][]int{}
	var roots []int
	for _, pid := range t.order {
		p := t.procs[pid]
		if _, ok := t.procs[p.ppid]; ok && p.ppid != pid {
			children[p.ppid] = append(children[p.ppid], pid)
		} else {
			roots = append(roots, pid)
		}
	}
	sort.Ints(roots)
	var walk func(pid int, prefix string, last bool, top bool)
	walk = func(pid int, prefix string, last bool, top bool) {
		p := t.procs[pid]
		branch, next := "", ""
		if !top {
			branch, next = "├─ ", "│  "
			if last {
				branch, next = "└─ ", "   "
			}
		}
		fmt.Fprintf(t.w, "%s%s%s %s\n", prefix, branch, t.label(pid), t.paint(90, p.end))
		kids := children[pid]
		for i, c := range kids {
			walk(c, prefix+next, i == len(kids)-1, false)
		}
	}
	for _, r := range roots {
		walk(r, "", true, true)
	}
}

// ipcText describes an IPC event in a few words.
func ipcText(e event.Event) string {
	waited := ""
	if e.WaitedMS != nil && *e.WaitedMS >= 1 {
		waited = fmt.Sprintf(" after %.0f ms", *e.WaitedMS)
	}
	switch e.Type {
	case event.TypeQueuePut:
		return fmt.Sprintf("%s ⇢ put %s", e.Queue, e.Summary)
	case event.TypeQueueGet:
		return fmt.Sprintf("%s ⇠ got %s%s", e.Queue, e.Summary, waited)
	case event.TypePipeSend:
		return fmt.Sprintf("%s ⇢ sent %s", e.Pipe, e.Summary)
	case event.TypePipeRecv:
		return fmt.Sprintf("%s ⇠ received %s%s", e.Pipe, e.Summary, waited)
	case event.TypePoolSubmit:
		return fmt.Sprintf("%s: %s %s submitted", e.Pool, e.Task, e.Function)
	case event.TypePoolStart:
		return fmt.Sprintf("%s: %s %s started", e.Pool, e.Task, e.Function)
	case event.TypePoolDone:
		if e.Error != "" {
			return fmt.Sprintf("%s: %s %s failed: %s", e.Pool, e.Task, e.Function, e.Error)
		}
		return fmt.Sprintf("%s: %s %s returned %s", e.Pool, e.Task, e.Function, e.Summary)
	case event.TypeShmWrite:
		if e.Index != nil {
			return fmt.Sprintf("%s[%d] = %s", e.Shm, *e.Index, e.Summary)
		}
		return fmt.Sprintf("%s = %s", e.Shm, e.Summary)
	case event.TypeLockAcquire:
		return fmt.Sprintf("%s acquired%s", e.Lock, waited)
	case event.TypeLockRelease:
		return fmt.Sprintf("%s released", e.Lock)
	}
	return ""
}
