package runner

import (
	"fmt"

	"mpplayground/event"
	"mpplayground/runner/record"
	"mpplayground/runner/sandbox"
)

// initLimits are the limits the init itself enforces and reports: output
// and disk always, memory and pids where they are rlimits instead of a
// cgroup (record.Config.AddressSpace and Nproc; see the sandbox's
// fallback.go). A limit the init reports ends only its own run.
var initLimits = map[string]bool{event.LimitOutput: true, event.LimitDisk: true,
	event.LimitMemory: true, event.LimitPids: true}

func (s *session) checkCgroup() {
	cg := s.init.cg
	if cg == nil || s.limitKind != "" {
		return
	}
	switch {
	case cg.oomKills() > 0:
		s.hitLimit(event.LimitMemory)
		s.kill()
	case cg.pidsRefused() > 0:
		s.hitLimit(event.LimitPids)
		s.kill()
	}
}

func (s *session) hitLimit(kind string) {
	if s.limitKind != "" {
		return
	}
	s.limitKind = kind
	s.send(record.MonoNS(), event.Event{Type: event.TypeLimit, Kind: kind, Message: s.limitMessage(kind)})
}

func (s *session) limitMessage(kind string) string {
	l := s.limits
	switch kind {
	case event.LimitWallTime:
		return fmt.Sprintf("Stopped: the program ran longer than %s.", secondsText(l.WallTime))
	case event.LimitMemory:
		return fmt.Sprintf("Stopped: the program used more than %s of memory.", sizeText(l.MemoryBytes))
	case event.LimitPids:
		return fmt.Sprintf("Stopped: the program tried to run more than %d processes at once.", l.Pids)
	case event.LimitOutput:
		return fmt.Sprintf("Stopped: the program printed more than %s of output.", sizeText(l.OutputBytes))
	case event.LimitDisk:
		size := l.TmpBytes
		if s.diskWhere == "/dev/shm" {
			size = l.ShmBytes
		}
		if s.diskWhere == "/dev/shm" {
			return fmt.Sprintf("Stopped: the program's shared memory filled /dev/shm (%s, %d blocks at most).", sizeText(size), sandbox.TmpfsInodes)
		}
		where := s.diskWhere
		if where == sandbox.Home {
			where = "its working directory " + where
		}
		return fmt.Sprintf("Stopped: the program filled %s (%s, %d files at most).", where, sizeText(size), sandbox.TmpfsInodes)
	case event.LimitEvents:
		return s.budget.message()
	case event.LimitDeadlock:
		return "Stopped: every process of the program was waiting for another one, so none could ever go on (a deadlock). The diagnosis says where."
	}
	return "Stopped: the program hit a limit."
}
