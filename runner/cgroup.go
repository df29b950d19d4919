package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"mpplayground/event"
)

// cgroups bound what a run uses in total (memory, processes, CPU). Pure
// cgroup v2 hosts and hosts with v1 controllers (such as this one, with a
// controller-less v2 mount beside them) are both handled: v2 is used when
// /sys/fs/cgroup is a cgroup2 mount with the controllers, v1 otherwise.

// cgroupRoot is where the cgroup file systems are mounted (a variable for
// the tests, which fake a v2 tree in a temporary directory).
var cgroupRoot = "/sys/fs/cgroup"

const (
	cgroupRunsName = "playground-runs"
	// cgroupRemoveWait bounds how long removing a run's cgroup waits for
	// its last processes to leave it.
	cgroupRemoveWait = 2 * time.Second
	// initTasksReserve is added to pids.max: the init's own threads count
	// against the cgroup too.
	initTasksReserve = 12
)

var cgroupControllers = []string{"memory", "pids", "cpu"}

type cgroupManager struct {
	version string            // "v2", "v1" or "" when none can be used
	bases   map[string]string // controller -> directory holding the runs' cgroups (v2: one dir for all)
	reason  string            // why cgroups are unavailable, if they are
}

func (m *cgroupManager) has(ctrl string) bool { _, ok := m.bases[ctrl]; return ok }

// detectCgroups finds a place to create the runs' cgroups, and removes the
// cgroups of runs a previous server left behind.
func detectCgroups() *cgroupManager {
	m := &cgroupManager{bases: map[string]string{}}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		m.reason = "cannot read /proc/self/cgroup"
		return m
	}
	if ctrls, err := os.ReadFile(filepath.Join(cgroupRoot, "cgroup.controllers")); err == nil {
		m.setupV2(self, string(ctrls))
	} else {
		info, _ := os.ReadFile("/proc/self/mountinfo")
		m.setupV1(self, v1Mounts(info))
	}
	if len(m.bases) == 0 {
		m.version = ""
		if m.reason == "" {
			m.reason = "no usable cgroup controllers"
		}
		return m
	}
	for ctrl, base := range m.bases {
		removeStale(base)
		// The directory may exist (made by another user) yet not be ours.
		probe := filepath.Join(base, fmt.Sprintf("probe-%d", os.Getpid()))
		if err := os.Mkdir(probe, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			delete(m.bases, ctrl)
			m.reason = fmt.Sprintf("cannot create cgroups in %s: %v", base, err)
			continue
		}
		_ = os.Remove(probe)
	}
	if len(m.bases) == 0 {
		m.version = ""
	}
	return m
}

func ownCgroupPath(self []byte, match func(ctrls string) bool) (string, bool) {
	for _, line := range strings.Split(string(self), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && match(parts[1]) {
			return parts[2], true
		}
	}
	return "", false
}

func (m *cgroupManager) setupV2(self []byte, available string) {
	m.version = "v2"
	own, ok := ownCgroupPath(self, func(c string) bool { return c == "" })
	if !ok {
		m.reason = "not in a cgroup v2 hierarchy"
		return
	}
	base := filepath.Join(cgroupRoot, own)
	var want []string
	for _, c := range cgroupControllers {
		if strings.Contains(" "+strings.TrimSpace(available)+" ", " "+c+" ") {
			want = append(want, "+"+c)
		}
	}
	if len(want) == 0 {
		m.reason = "cgroup v2 has none of the memory, pids and cpu controllers"
		return
	}
	enable := strings.Join(want, " ")
	// v2 lets a cgroup hand controllers to children only when it has no
	// processes of its own: the server moves itself into a leaf first.
	if err := writeFile(filepath.Join(base, "cgroup.subtree_control"), enable); err != nil {
		leaf := filepath.Join(base, "playground-server")
		_ = os.Mkdir(leaf, 0o755)
		if err := writeFile(filepath.Join(leaf, "cgroup.procs"), strconv.Itoa(os.Getpid())); err != nil {
			m.reason = fmt.Sprintf("cannot move the server into %s: %v", leaf, err)
			return
		}
		if err := writeFile(filepath.Join(base, "cgroup.subtree_control"), enable); err != nil {
			m.reason = fmt.Sprintf("cannot enable controllers in %s: %v", base, err)
			return
		}
	}
	runs := filepath.Join(base, cgroupRunsName)
	if err := os.Mkdir(runs, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		m.reason = fmt.Sprintf("cannot create %s: %v", runs, err)
		return
	}
	if err := writeFile(filepath.Join(runs, "cgroup.subtree_control"), enable); err != nil {
		m.reason = fmt.Sprintf("cannot enable controllers in %s: %v", runs, err)
		return
	}
	for _, w := range want {
		m.bases[strings.TrimPrefix(w, "+")] = runs
	}
}

func (m *cgroupManager) setupV1(self []byte, mounts map[string]string) {
	m.version = "v1"
	var problems []string
	for _, c := range cgroupControllers {
		mnt, ok := mounts[c]
		if !ok {
			continue
		}
		own, ok := ownCgroupPath(self, func(ctrls string) bool {
			for _, x := range strings.Split(ctrls, ",") {
				if x == c {
					return true
				}
			}
			return false
		})
		if !ok {
			continue
		}
		runs := filepath.Join(mnt, own, cgroupRunsName)
		if err := os.Mkdir(runs, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			problems = append(problems, fmt.Sprintf("%s: %v", c, err))
			continue
		}
		m.bases[c] = runs
	}
	m.reason = strings.Join(problems, "; ")
}

// v1Mounts maps each v1 controller to its mount point, from mountinfo.
func v1Mounts(mountinfo []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, opts := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(opts) < 3 || opts[0] != "cgroup" {
			continue
		}
		for _, o := range strings.Split(opts[2], ",") {
			for _, c := range cgroupControllers {
				if o == c {
					out[c] = fields[4]
				}
			}
		}
	}
	return out
}

// removeStale removes the run cgroups of servers that are gone (a cgroup
// is named after the server's pid, so that several servers, or several
// runners in one process, never remove each other's).
func removeStale(base string) {
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "run-")
		if !e.IsDir() || !ok {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if n, err := strconv.Atoi(pid); err == nil && n > 0 && processAlive(n) {
			continue
		}
		_ = os.Remove(filepath.Join(base, e.Name()))
	}
}

func processAlive(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// cgroupName names a run's cgroup after this server and the run.
func cgroupName(id string) string { return fmt.Sprintf("run-%d-%s", os.Getpid(), id) }

// runCgroup is the cgroup (one per controller on v1) of one run.
type runCgroup struct {
	version string
	dirs    map[string]string // controller -> directory
}

func (m *cgroupManager) create(id string, l event.Limits) (*runCgroup, error) {
	c := &runCgroup{version: m.version, dirs: map[string]string{}}
	for ctrl, base := range m.bases {
		dir := filepath.Join(base, cgroupName(id))
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			c.destroy()
			return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
		}
		c.dirs[ctrl] = dir
	}
	if err := c.setLimits(l); err != nil {
		c.destroy()
		return nil, err
	}
	return c, nil
}

func (c *runCgroup) setLimits(l event.Limits) error {
	mem := strconv.FormatInt(l.MemoryBytes, 10)
	pids := strconv.Itoa(l.Pids + initTasksReserve)
	quota := strconv.Itoa(l.CPUs * 100000)
	var files [][2]string
	if d, ok := c.dirs["memory"]; ok {
		if c.version == "v2" {
			files = append(files, [2]string{d + "/memory.max", mem}, [2]string{d + "/memory.swap.max", "0"})
		} else {
			files = append(files, [2]string{d + "/memory.limit_in_bytes", mem}, [2]string{d + "/memory.memsw.limit_in_bytes", mem})
		}
	}
	if d, ok := c.dirs["pids"]; ok {
		files = append(files, [2]string{d + "/pids.max", pids})
	}
	if d, ok := c.dirs["cpu"]; ok {
		if c.version == "v2" {
			files = append(files, [2]string{d + "/cpu.max", quota + " 100000"})
		} else {
			files = append(files, [2]string{d + "/cpu.cfs_period_us", "100000"}, [2]string{d + "/cpu.cfs_quota_us", quota})
		}
	}
	for _, f := range files {
		if err := writeFile(f[0], f[1]); err != nil {
			// Swap accounting may be off; without swap there is nothing to bound.
			if strings.Contains(f[0], "swap") || strings.Contains(f[0], "memsw") {
				continue
			}
			return fmt.Errorf("set %s: %w", f[0], err)
		}
	}
	return nil
}

// forkInside runs start, which forks the run's init, from a thread that
// is in the run's v1 cgroups meanwhile, so that the init is born there,
// with everything it will start. Moving another process in by its pid
// takes a global lock and waits for an RCU grace period (7-18 ms here,
// and every fork on the machine waits with it); a thread that moves itself,
// by writing 0 to a "tasks" file, does not (0.2 ms for three hierarchies).
// The thread goes back to this process's own cgroups after the fork.
func (c *runCgroup) forkInside(start func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := moveThisThread(eachOnce(c.dirs))
		if err == nil {
			err = start()
		}
		if back := moveThisThread(c.homes()); back != nil {
			// The thread is still in the run's cgroups: nothing else may run
			// on it, and it may not end either, as the init's parent-death
			// signal follows the thread that forked it. It waits for good.
			done <- errors.Join(err, fmt.Errorf("leave the run's cgroup: %w", back))
			select {}
		}
		runtime.UnlockOSThread()
		done <- err
	}()
	return <-done
}

// homes lists this process's own cgroups, where the run's are made: a
// run's cgroup is <own cgroup>/playground-runs/<run>.
func (c *runCgroup) homes() []string {
	var dirs []string
	for _, d := range eachOnce(c.dirs) {
		dirs = append(dirs, filepath.Dir(filepath.Dir(d)))
	}
	return dirs
}

// moveThisThread moves the calling thread into each of dirs (v1).
func moveThisThread(dirs []string) error {
	for _, d := range dirs {
		if err := writeFile(filepath.Join(d, "tasks"), "0"); err != nil {
			return fmt.Errorf("enter %s: %w", d, err)
		}
	}
	return nil
}

// eachOnce lists the directories of a controller -> directory map in the
// order of cgroupControllers, each once (on v2 every controller has the
// same one).
func eachOnce(byController map[string]string) []string {
	var dirs []string
	seen := map[string]bool{}
	for _, ctrl := range cgroupControllers {
		if d, ok := byController[ctrl]; ok && !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// add moves a process (the run's init, before it starts anything) in.
func (c *runCgroup) add(pid int) error {
	for _, d := range eachOnce(c.dirs) {
		if err := writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("move the run into %s: %w", d, err)
		}
	}
	return nil
}

// oomKills counts the processes the kernel killed for want of memory.
func (c *runCgroup) oomKills() int64 {
	d, ok := c.dirs["memory"]
	if !ok {
		return 0
	}
	if c.version == "v2" {
		return keyedValue(d+"/memory.events", "oom_kill")
	}
	return keyedValue(d+"/memory.oom_control", "oom_kill")
}

// pidsRefused counts the forks refused because of pids.max.
func (c *runCgroup) pidsRefused() int64 {
	d, ok := c.dirs["pids"]
	if !ok {
		return 0
	}
	return keyedValue(d+"/pids.events", "max")
}

func (c *runCgroup) destroy() {
	deadline := time.Now().Add(cgroupRemoveWait)
	for _, d := range eachOnce(c.dirs) {
		for {
			err := os.Remove(d)
			if err == nil || errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func keyedValue(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

func writeFile(path, value string) error {
	return os.WriteFile(path, []byte(value), 0o644)
}
