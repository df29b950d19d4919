package sandbox

import (
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The names of processes: multiprocessing's own names for the processes it
// starts (announced by the startup hook just before the start), the
// program's name for everything else.

// maxAnnouncements bounds each queue of names, so a program that announces
// without starting cannot grow the init's memory.
const maxAnnouncements = 256

type announcements struct {
	fork       map[int]string   // by thread id: the next fork of that thread
	spawn      map[int][]string // by pid: the next spawn children of that process
	forkserver []string         // the next children of any forkserver process
}

func (a *announcements) init() {
	a.fork = map[int]string{}
	a.spawn = map[int][]string{}
}

func (a *announcements) add(pid int, m hookMessage, tasks map[int]*task) {
	name := m.Name
	if len(name) > 200 {
		name = name[:200]
	}
	switch m.Kind {
	case "fork":
		tid := m.TID
		if tk := tasks[tid]; tk == nil || tk.tgid != pid {
			tid = pid
		}
		if len(a.fork) < maxAnnouncements {
			a.fork[tid] = name
		}
	case "spawn":
		if len(a.spawn[pid]) < maxAnnouncements {
			a.spawn[pid] = append(a.spawn[pid], name)
		}
	case "forkserver":
		if len(a.forkserver) < maxAnnouncements {
			a.forkserver = append(a.forkserver, name)
		}
	}
}

// nameChild names a process at its fork. A vfork child is nearly always
// about to exec: its start waits for the exec, which names it.
func (t *tracer) nameChild(p, parent *proc, parentTid, event int) {
	inherited := "python3"
	if parent != nil {
		inherited = parent.name
	}
	p.name, p.via = inherited, "fork"
	switch {
	case event == unix.PTRACE_EVENT_VFORK:
		p.pending = true
		p.via = ""
		t.vforks++
		p.vforkSeq = t.vforks
	case parent != nil && parent.forkserver:
		if len(t.ann.forkserver) > 0 {
			p.name, p.via = t.ann.forkserver[0], "forkserver"
			t.ann.forkserver = t.ann.forkserver[1:]
		}
	default:
		if name, ok := t.ann.fork[parentTid]; ok {
			p.name = name
			delete(t.ann.fork, parentTid)
		} else if name, ok := t.ann.fork[p.ppid]; ok {
			p.name = name
			delete(t.ann.fork, p.ppid)
		}
	}
}

// mpRole recognises the programs multiprocessing starts with exec. argv is
// the program's word: it counts only when the kernel says that the process
// runs the run's interpreter.
func (t *tracer) mpRole(pid int, argv []string) string {
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err != nil || exe != t.python {
		return ""
	}
	joined := strings.Join(argv, " ")
	switch {
	case strings.Contains(joined, "multiprocessing.spawn import spawn_main") && strings.Contains(joined, "--multiprocessing-fork"):
		return "spawn"
	case strings.Contains(joined, "multiprocessing.forkserver import main"):
		return "forkserver"
	case strings.Contains(joined, "multiprocessing.resource_tracker import main"):
		return "resource_tracker"
	}
	return ""
}

// nameExec names a vfork child at its exec.
func (t *tracer) nameExec(p *proc, argv []string) {
	p.via = "exec"
	switch t.mpRole(p.pid, argv) {
	case "spawn":
		p.via = "spawn"
		p.name = "SpawnProcess"
		if q := t.ann.spawn[p.ppid]; len(q) > 0 {
			p.name = q[0]
			t.ann.spawn[p.ppid] = q[1:]
		}
	case "forkserver":
		p.name, p.forkserver = "forkserver", true
	case "resource_tracker":
		p.name = "resource_tracker"
	default:
		p.name = programNameOf(p.pid, argv)
	}
}

// renameExec follows a process that was already running when it exec'd.
func (t *tracer) renameExec(p *proc, argv []string) {
	switch t.mpRole(p.pid, argv) {
	case "forkserver":
		p.name, p.forkserver = "forkserver", true
	case "resource_tracker":
		p.name = "resource_tracker"
	case "spawn":
	default:
		p.name = programNameOf(p.pid, argv)
	}
}

// programNameOf names a process that runs another program by the kernel's
// name for it (the file it executed, at most 15 bytes), not by its argv[0],
// which the program chooses.
func programNameOf(pid int, argv []string) string {
	if comm := readComm(pid); comm != "" {
		return comm
	}
	if len(argv) > 0 && argv[0] != "" {
		return path.Base(argv[0])
	}
	return "?"
}
