package sandbox

import (
	"bytes"
	"os"
	"strconv"
)

type taskStatus struct{ tgid, ppid int }

// readStatus reads the thread group and parent of a task from /proc.
func readStatus(tid int) taskStatus {
	var st taskStatus
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return st
	}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		switch string(k) {
		case "Tgid":
			st.tgid, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		case "PPid":
			st.ppid, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	return st
}

// Bounds on the argv reported by proc.exec.
const (
	maxArgs   = 64
	maxArgLen = 1024
)

func readCmdline(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil
	}
	b = bytes.TrimSuffix(b, []byte{0})
	var argv []string
	for _, a := range bytes.Split(b, []byte{0}) {
		if len(argv) == maxArgs {
			argv = append(argv, "…")
			break
		}
		if len(a) > maxArgLen {
			a = append(a[:maxArgLen:maxArgLen], "…"...)
		}
		argv = append(argv, string(bytes.ToValidUTF8(a, []byte("\uFFFD"))))
	}
	return argv
}

func readComm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return string(bytes.TrimSpace(b))
}
