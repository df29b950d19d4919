package runner

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Per-run host uids. The kernel keeps some counters per host user, not per
// namespace: descriptors in flight over SCM_RIGHTS (bounded by
// RLIMIT_NOFILE), pipe buffer pages (fs.pipe-user-pages-soft), epoll
// watches. Runs that share a host uid share those counters, so one run
// could starve another's multiprocessing (a forkserver Pool passes its
// descriptors over SCM_RIGHTS). A root server therefore maps each run's
// program to a host uid (and gid, the same number) of its own, taken from
// a range when the run's init is created and given back once that init
// has been reaped.

// DefaultUIDRange is the range a root server takes its runs' host uids
// from. It lies above what /etc/login.defs hands out as subordinate ids
// (SUB_UID_MAX 600100000 by default) and above systemd's container range
// (524288-1879048191), below 2^31 (some tools read ids as signed) and
// systemd's foreign range (2147352576-2147418111): no real user or
// container owns it on a usual host.
var DefaultUIDRange = UIDRange{First: 2_000_000_000, Last: 2_000_000_999}

const (
	// maxHostID is the largest valid host id: (uid_t)-1 means "none".
	maxHostID = 1<<32 - 2
	// minUIDRangeSize leaves room for one run beside the warm inits.
	minUIDRangeSize = warmInits + 1
	// invalid16BitID is (uint16)-1, which old interfaces read as "none".
	invalid16BitID = 65535
)

// UIDRange is a range of host ids, First to Last included, used both as
// uids and as gids.
type UIDRange struct {
	First, Last int
}

// ParseUIDRange reads "FIRST-LAST", e.g. "2000000000-2000000999".
func ParseUIDRange(s string) (UIDRange, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return UIDRange{}, fmt.Errorf("%q is not a range of ids FIRST-LAST, such as %s", s, DefaultUIDRange)
	}
	u := UIDRange{First: first, Last: last}
	return u, u.check()
}

func (u UIDRange) String() string { return fmt.Sprintf("%d-%d", u.First, u.Last) }

// Size is how many ids the range holds.
func (u UIDRange) Size() int { return u.Last - u.First + 1 }

func (u UIDRange) contains(id int) bool { return u.First <= id && id <= u.Last }

// check refuses a range that holds root, an id the runner uses otherwise,
// or too few ids.
func (u UIDRange) check() error {
	switch {
	case u.First > u.Last:
		return fmt.Errorf("the range %s ends before it starts", u)
	case u.First < 1 || u.Last > maxHostID:
		return fmt.Errorf("the range %s is not within 1-%d", u, maxHostID)
	case u.Size() < minUIDRangeSize:
		return fmt.Errorf("the range %s holds %d ids; runs need at least %d (%d for the inits kept ready, and one run)", u, u.Size(), minUIDRangeSize, warmInits)
	}
	for _, id := range []int{initHostID, nobodyID, invalid16BitID} {
		if u.contains(id) {
			return fmt.Errorf("the range %s holds %d, which the server uses otherwise (65533 for the sandbox's init, 65534 nobody, 65535 none)", u, id)
		}
	}
	return nil
}

// mappedIn reports whether every id of u is mapped in the user namespace
// whose uid_map or gid_map is text (a root server inside a container may
// see only part of the host's ids).
func (u UIDRange) mappedIn(text io.Reader) bool {
	sc := bufio.NewScanner(text)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		inside, err1 := strconv.ParseInt(f[0], 10, 64)
		count, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 == nil && err2 == nil && inside <= int64(u.First) && int64(u.Last) < inside+count {
			return true
		}
	}
	return false
}

// mappedHere reports whether u is mapped, as uids and as gids, in this
// process's user namespace.
func (u UIDRange) mappedHere() bool {
	for _, name := range []string{"/proc/self/uid_map", "/proc/self/gid_map"} {
		f, err := os.Open(name)
		if err != nil {
			return false
		}
		ok := u.mappedIn(f)
		f.Close()
		if !ok {
			return false
		}
	}
	return true
}

// setUpUIDs decides how the runs of r get their host uids: from want (the
// default range when zero) if the server is root and the range is mapped
// here, else all the same one, r.hostUID. The reason is kept for
// PerRunUIDs.
func (r *Runner) setUpUIDs(want UIDRange) error {
	rng := want
	if rng == (UIDRange{}) {
		rng = DefaultUIDRange
	}
	if err := rng.check(); err != nil {
		return fmt.Errorf("uid range: %w", err)
	}
	switch {
	case os.Geteuid() != 0:
		r.uidsOff = fmt.Sprintf("the server is not root; all runs share uid %d", r.hostUID)
	case !rng.mappedHere():
		r.uidsOff = fmt.Sprintf("the range %s is not mapped in this server's user namespace; all runs share uid %d", rng, r.hostUID)
	default:
		// Without a lease directory the ids are still each run's own among
		// this server's runs; the reason is logged (PerRunUIDs).
		dir, err := openLeaseDir(uidLeaseDirs)
		if err != nil {
			r.uidsLocal = err.Error()
		}
		r.uids = newUIDPool(rng, dir)
		r.info.UIDRange = rng.String()
		// No one uid for all runs: run.start gives each run's own.
		r.info.HostUID = noHostUID
	}
	return nil
}

// noHostUID is host_uid where no single uid applies: in the server's
// description when each run has its own, in run.start when the run could
// not get one.
const noHostUID = -1

// PerRunUIDs says, for the server's log, whether each run gets a host uid
// of its own: "range A-B", with "(as root of a user namespace of uid N)"
// for a server given its ids by newuidmap (the image's entry point,
// docker/entrypoint.sh), then where its uids are leased ("; leased in
// DIR", or "; held in this process only (why)"); or "off (why; all runs
// share uid N)".
func (r *Runner) PerRunUIDs() string {
	if r.uids != nil {
		s := "range " + r.uids.rng.String()
		if f, err := os.Open("/proc/self/uid_map"); err == nil {
			if outer, ok := namespaceRootIs(f); ok {
				s += fmt.Sprintf(" (as root of a user namespace of uid %d)", outer)
			}
			f.Close()
		}
		if r.uids.leaseDir != "" {
			return s + "; leased in " + r.uids.leaseDir
		}
		return s + "; held in this process only (" + r.uidsLocal + ")"
	}
	return "off (" + r.uidsOff + ")"
}

// namespaceRootIs reads a uid_map: the uid outside that root inside maps
// to, when it is not root (a user namespace made by an ordinary user).
func namespaceRootIs(uidMap io.Reader) (outer int, ok bool) {
	sc := bufio.NewScanner(uidMap)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "0" {
			continue
		}
		out, err := strconv.Atoi(f[1])
		if err != nil || out == 0 {
			return 0, false
		}
		return out, true
	}
	return 0, false
}

// UIDCapacity is how many runs at once the uid range leaves room for,
// beside the inits kept ready; 0 when runs share one uid (no bound).
func (r *Runner) UIDCapacity() int {
	if r.uids == nil {
		return 0
	}
	return r.uids.rng.Size() - warmInits
}

// takeUID is the host uid a new init maps its program to: a free one of
// the range, which the init gives back when it is closed (pool non-nil),
// or the uid all runs share.
func (r *Runner) takeUID() (uid int, pool *uidPool, err error) {
	if r.uids == nil {
		return r.hostUID, nil, nil
	}
	uid, err = r.uids.take()
	if err != nil {
		return 0, nil, err
	}
	return uid, r.uids, nil
}
