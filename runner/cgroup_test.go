package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mpplayground/event"
)

func readTrim(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// The cgroup v2 path, on a faked tree: the kernel's own rules (no
// processes in a cgroup that delegates) cannot be faked, but what is
// written where, and how the counters are read, can.
func TestCgroupV2WritesLimitsAndReadsCounters(t *testing.T) {
	root := t.TempDir()
	old := cgroupRoot
	cgroupRoot = root
	t.Cleanup(func() { cgroupRoot = old })
	svc := filepath.Join(root, "system.slice", "playground.service")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &cgroupManager{bases: map[string]string{}}
	m.setupV2([]byte("0::/system.slice/playground.service\n"), "cpuset cpu io memory hugetlb pids\n")
	if m.reason != "" || len(m.bases) != 3 {
		t.Fatalf("setup: %q %v", m.reason, m.bases)
	}
	runs := filepath.Join(svc, cgroupRunsName)
	if got := readTrim(t, filepath.Join(runs, "cgroup.subtree_control")); got != "+memory +pids +cpu" {
		t.Errorf("subtree_control %q", got)
	}
	c, err := m.create("abc", event.Limits{MemoryBytes: 256 << 20, Pids: 64, CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(runs, cgroupName("abc"))
	for file, want := range map[string]string{
		"memory.max": "268435456", "memory.swap.max": "0", "pids.max": "76", "cpu.max": "200000 100000",
	} {
		if got := readTrim(t, filepath.Join(dir, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte("low 0\nhigh 0\nmax 5\noom 1\noom_kill 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pids.events"), []byte("max 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c.oomKills() != 2 || c.pidsRefused() != 3 {
		t.Errorf("counters: oom %d, pids %d", c.oomKills(), c.pidsRefused())
	}
	if err := c.add(4242); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, filepath.Join(dir, "cgroup.procs")); got != "4242" {
		t.Errorf("cgroup.procs %q", got)
	}
}

func TestCgroupV1MountsAreFoundInMountinfo(t *testing.T) {
	info := []byte(`30 24 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`)
	got := v1Mounts(info)
	want := map[string]string{"cpu": "/sys/fs/cgroup/cpu,cpuacct", "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
