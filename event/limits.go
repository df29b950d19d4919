package event

import "time"

// Limits bound one run. The zero value of a field means "use the default".
type Limits struct {
	WallTime    time.Duration `json:"-"`
	WallTimeMS  int64         `json:"wall_time_ms"`
	MemoryBytes int64         `json:"memory_bytes"`
	Pids        int           `json:"pids"`
	OutputBytes int64         `json:"output_bytes"`
	FileBytes   int64         `json:"file_bytes"`
	OpenFiles   int           `json:"open_files"`
	TmpBytes    int64         `json:"tmp_bytes"`
	ShmBytes    int64         `json:"shm_bytes"`
	CPUs        int           `json:"cpus"`
}

// SandboxInfo says which protections are active for a run. It is carried by
// run.start so that a learner (and a teacher) can see what guarded the run.
type SandboxInfo struct {
	Enabled    bool     `json:"enabled"`
	Namespaces []string `json:"namespaces"`
	Cgroup     string   `json:"cgroup"`
	Memory     bool     `json:"memory_limit"`
	Pids       bool     `json:"pids_limit"`
	CPU        bool     `json:"cpu_limit"`
	NoNewPrivs bool     `json:"no_new_privs"`
	Seccomp    bool     `json:"seccomp"`
	UID        int      `json:"uid"`
	// HostUID is the host uid of the run's program; -1 where no single one
	// applies (the server's description when each run has its own).
	HostUID int `json:"host_uid"`
	// UIDRange is the range each run takes a host uid of its own from,
	// "" when runs share one.
	UIDRange string `json:"uid_range,omitempty"`
}
