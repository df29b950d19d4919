package runner

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"mpplayground/event"
	"mpplayground/runner/sandbox"
)

// Starting a run's init costs more than starting Python (the binary's own
// start, new namespaces, and on a v2 host the move of the init into its
// cgroup, an RCU grace period of ~10 ms). So the runner keeps a few inits
// started ahead of time, each with its cgroup and its own host uid,
// waiting for a program (as golang/playground keeps containers ready). A
// run takes one if its cgroup limits are the runner's defaults.

// warmInits is how many inits wait ready.
const warmInits = 2

// startedInit is an init that runs, in its cgroup, and waits on fd 3 for
// its configuration.
type startedInit struct {
	cmd     *exec.Cmd
	cg      *runCgroup   // nil without cgroups
	limits  event.Limits // the cgroup's limits
	uid     int          // the host uid (and gid) of its program
	giveUID *uidPool     // where close gives uid back; nil when it is shared
	// placed is closed once the init is in its cgroup, or placeErr says
	// why it could not be; nil without a cgroup or when the init was born
	// in it.
	placed   chan struct{}
	placeErr error
	ctl      *os.File // write end of the init's fd 3
	wire     *os.File // read end of its fd 4
	stdin    *os.File // write end of the program's standard input
	initErr  *bytes.Buffer
}

// startInit starts an init in a new cgroup bounded by l, its program
// mapped to a host uid of its own when the server has a range of them.
func (r *Runner) startInit(l event.Limits) (*startedInit, error) {
	uid, pool, err := r.takeUID()
	if err != nil {
		return nil, err
	}
	return r.startInitAs(l, uid, pool)
}

// startInitAs starts an init whose program is host uid uid; closing the
// init gives uid back to pool (if not nil), also when it fails to start.
func (r *Runner) startInitAs(l event.Limits, uid int, pool *uidPool) (*startedInit, error) {
	si := &startedInit{limits: l, uid: uid, giveUID: pool, initErr: &bytes.Buffer{}}
	var err error
	gid := r.hostGID
	if r.uids != nil {
		gid = uid
	}
	if r.cgroups != nil && len(r.cgroups.bases) > 0 {
		if si.cg, err = r.cgroups.create(r.token+"-"+event.NewRunID()[:12], l); err != nil {
			si.close()
			return nil, err
		}
	}
	var child []*os.File // the init's fds 3, 4, 5
	closeChild := func() {
		for _, f := range child {
			f.Close()
		}
	}
	child, err = si.openPipes()
	if err != nil {
		closeChild()
		si.close()
		return nil, err
	}
	si.cmd = &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        []string{sandbox.Arg0},
		Env:         newInitEnv(),
		ExtraFiles:  child,
		Stderr:      &limitedWriter{w: si.initErr, n: 4096},
		SysProcAttr: r.initAttr(uid, gid),
		// Wait returns this long after the init is gone even if something
		// still holds its stderr.
		WaitDelay: streamDrainGrace,
	}
	if os.Getenv("PLAYGROUND_DEBUG_INIT") != "" {
		si.cmd.Stderr = os.Stderr
		si.cmd.Env = append(si.cmd.Env, "PLAYGROUND_DEBUG_INIT=1")
	}
	bornInside := si.cg != nil && si.cg.version == "v1" && !r.cfg.placeByPID
	if bornInside {
		err = si.cg.forkInside(si.cmd.Start)
	} else {
		err = si.cmd.Start()
	}
	closeChild()
	if err != nil {
		si.cmd = nil
		si.close()
		if !r.info.Enabled {
			return nil, fmt.Errorf("start the run: %w", err)
		}
		return nil, fmt.Errorf("create the sandbox's namespaces: %w", err)
	}
	if si.cg != nil && !bornInside {
		// v2 has no threads outside threaded subtrees to move on their own:
		// the init is moved by its pid, which waits for an RCU grace period
		// (7-18 ms here); it builds the sandbox meanwhile, and starts the
		// program only when told to, once it is in (goAhead).
		si.placed = make(chan struct{})
		pid, lag := si.cmd.Process.Pid, r.cfg.placeLag
		go func() {
			defer close(si.placed)
			time.Sleep(lag)
			si.placeErr = si.cg.add(pid)
		}()
	}
	return si, nil
}

// waitPlaced waits until the init is in its cgroup, or could not be put
// there.
func (si *startedInit) waitPlaced() error {
	if si.placed == nil {
		return nil
	}
	<-si.placed
	return si.placeErr
}

// openPipes makes the init's three pipes: it keeps its ends in si and
// returns the child's, to become the init's fds 3, 4 and 5 (wire.go).
func (si *startedInit) openPipes() (child []*os.File, err error) {
	for i := range 3 {
		rd, wr, err := os.Pipe()
		if err != nil {
			return child, err
		}
		switch i {
		case 0:
			child, si.ctl = append(child, rd), wr
		case 1:
			child, si.wire = append(child, wr), rd
		case 2:
			child, si.stdin = append(child, rd), wr
		}
	}
	return child, nil
}

// close ends an init that will not be used, removes its cgroup and, once
// the init is reaped, gives back its uid unless a run holds it.
func (si *startedInit) close() {
	for _, f := range []*os.File{si.ctl, si.wire, si.stdin} {
		if f != nil {
			f.Close()
		}
	}
	if si.cmd != nil && si.cmd.Process != nil {
		_ = si.cmd.Process.Kill()
		// Reaped only once it is placed: its pid is not free for another
		// process while the move is under way.
		_ = si.waitPlaced()
		_ = si.cmd.Wait()
	}
	if si.cg != nil {
		si.cg.destroy()
	}
	if si.giveUID != nil {
		si.giveUID.give(si.uid)
		si.giveUID = nil
	}
}

// initPool holds the warm inits of a Runner.
type initPool struct {
	mu      sync.Mutex
	ready   []*startedInit
	filling int
	closed  bool
	// first is the init a one-run runner starts in New, until a run
	// takes it.
	first chan startedOrNot
}

// startedOrNot is the outcome of starting an init.
type startedOrNot struct {
	si  *startedInit
	err error
}

// startFirstInit starts the init of a one-run runner's run, in the
// background, with the runner's limits.
func (r *Runner) startFirstInit() {
	first := make(chan startedOrNot, 1)
	r.pool.first = first
	go func() {
		si, err := r.startInit(r.cfg.Limits)
		first <- startedOrNot{si, err}
	}()
}

// takeFirst returns the init startFirstInit started, once it has; nil
// when there is none (any more).
func (r *Runner) takeFirst() *startedOrNot {
	r.pool.mu.Lock()
	first := r.pool.first
	r.pool.first = nil
	r.pool.mu.Unlock()
	if first == nil {
		return nil
	}
	res := <-first
	return &res
}

// takeInit returns an init for a run with limits l: a warm one when l
// bounds its cgroup as the defaults do, a new one otherwise.
func (r *Runner) takeInit(l event.Limits) (*startedInit, error) {
	if first := r.takeFirst(); first != nil {
		if sameCgroupLimits(l, r.cfg.Limits) {
			return first.si, first.err
		}
		if first.si != nil {
			first.si.close()
		}
	}
	if sameCgroupLimits(l, r.cfg.Limits) {
		r.pool.mu.Lock()
		if n := len(r.pool.ready); n > 0 {
			si := r.pool.ready[n-1]
			r.pool.ready = r.pool.ready[:n-1]
			r.pool.mu.Unlock()
			r.refill()
			return si, nil
		}
		r.pool.mu.Unlock()
		defer r.refill()
	}
	return r.startInit(l)
}

func sameCgroupLimits(a, b event.Limits) bool {
	return a.MemoryBytes == b.MemoryBytes && a.Pids == b.Pids && a.CPUs == b.CPUs
}

// refill starts warm inits in the background up to warmInits.
func (r *Runner) refill() {
	r.pool.mu.Lock()
	need := warmInits - len(r.pool.ready) - r.pool.filling
	if r.pool.closed || need <= 0 || r.cfg.OneRun {
		r.pool.mu.Unlock()
		return
	}
	r.pool.filling += need
	r.pool.mu.Unlock()
	for range need {
		go func() {
			si, err := r.startInit(r.cfg.Limits)
			r.pool.mu.Lock()
			r.pool.filling--
			if err != nil || r.pool.closed {
				r.pool.mu.Unlock()
				if si != nil {
					si.close()
				}
				return
			}
			r.pool.ready = append(r.pool.ready, si)
			r.pool.mu.Unlock()
		}()
	}
}

// Close ends the warm inits. Runs still going are not affected; Run must
// not be called after Close.
func (r *Runner) Close() {
	r.pool.mu.Lock()
	r.pool.closed = true
	ready := r.pool.ready
	r.pool.ready = nil
	r.pool.mu.Unlock()
	for _, si := range ready {
		si.close()
	}
	if first := r.takeFirst(); first != nil && first.si != nil {
		first.si.close()
	}
}
