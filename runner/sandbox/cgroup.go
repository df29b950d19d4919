package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"

	"mpplayground/runner/record"
)

// maxCgroupTasks bounds Config.CgroupTasks: one "tasks" file per v1
// controller the runner uses (memory, pids, cpu).
const maxCgroupTasks = 3

// placeThisThread moves the calling thread, and so every process it starts
// from then on, into the run's v1 cgroups: it writes 0 (the writer itself)
// to each of the n "tasks" files the runner passed from record.CgroupFD on,
// and closes them. A thread that moves itself takes no global lock; the
// runner moving the init by its pid waited for an RCU grace period.
func placeThisThread(n int) error {
	if n < 0 || n > maxCgroupTasks {
		return fmt.Errorf("%d cgroup tasks files, at most %d", n, maxCgroupTasks)
	}
	for i := range n {
		fd := record.CgroupFD + i
		_, err := unix.Write(fd, []byte("0"))
		_ = unix.Close(fd)
		if err != nil {
			return fmt.Errorf("enter the run's cgroup: %w", err)
		}
	}
	return nil
}
