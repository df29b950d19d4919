package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// uidPool hands out the ids of a range, each to one holder at a time. An
// id given back is handed out again only after every other free one: the
// kernel may still be releasing what a run left (a cycle of sockets in
// flight is freed by its garbage collector, later).
//
// A host uid is the host's, not this process's: several servers or workers
// on one machine (a cluster's workers, test binaries side by side) take
// from the same range. With a lease directory, an id is held on the whole
// host by an exclusive flock on a file named after it; the kernel drops
// the lock when the holder closes it or dies, so a crashed server leaks
// nothing. An id another process holds is passed over.
type uidPool struct {
	rng      UIDRange
	leaseDir string // "" when ids are held in this process only
	mu       sync.Mutex
	next     int              // the lowest id never handed out
	back     []int            // ids given back (or held elsewhere), oldest first
	inUse    map[int]*os.File // ids handed out and not given back, with their lease (nil without a directory)
}

func newUIDPool(rng UIDRange, leaseDir string) *uidPool {
	return &uidPool{rng: rng, leaseDir: leaseDir, next: rng.First, inUse: map[int]*os.File{}}
}

// take hands out a free id, or says plainly that there is none (the
// learner reads the message after "The run could not be started: ").
func (p *uidPool) take() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Every id is tried at most once: those held by other processes go
	// to the back of the queue.
	for range p.rng.Size() {
		var id int
		switch {
		case p.next <= p.rng.Last:
			id = p.next
			p.next++
		case len(p.back) > 0:
			id = p.back[0]
			p.back = p.back[1:]
		default:
			return 0, p.full()
		}
		lease, err := p.lease(id)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			p.back = append(p.back, id)
			continue
		}
		if err != nil {
			p.back = append(p.back, id)
			return 0, fmt.Errorf("the server could not take a user id for the run: %v.", err)
		}
		p.inUse[id] = lease
		return id, nil
	}
	return 0, p.full()
}

func (p *uidPool) full() error {
	return fmt.Errorf("the server runs too many programs at once: all %d user ids kept for runs (%s) are in use. Try again in a moment.", p.rng.Size(), p.rng)
}

// lease locks id's file in the lease directory, or returns
// syscall.EWOULDBLOCK when another holder has it.
func (p *uidPool) lease(id int) (*os.File, error) {
	if p.leaseDir == "" {
		return nil, nil
	}
	f, err := os.OpenFile(filepath.Join(p.leaseDir, strconv.Itoa(id)), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// give returns id. Giving back an id that is not handed out does nothing,
// so that a holder may give back twice.
func (p *uidPool) give(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lease, ok := p.inUse[id]
	if !ok {
		return
	}
	if lease != nil {
		lease.Close() // drops the lock
	}
	delete(p.inUse, id)
	p.back = append(p.back, id)
}

// held is how many ids are handed out.
func (p *uidPool) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inUse)
}

// uidLeaseDirs are where a root server keeps its uid leases, the first
// that can be used: /run is root's alone on a host; in a container whose
// server is root of a user namespace /run is not its own, and the
// container's temporary directory is.
var uidLeaseDirs = []string{"/run/playground-uids", filepath.Join(os.TempDir(), "playground-uids")}

// openLeaseDir makes (or finds) a lease directory that only this user may
// change: a directory, not a link, owned by the effective uid, with no
// permission for anyone else. Another user's directory in a shared
// /tmp would let that user hold every id.
func openLeaseDir(dirs []string) (string, error) {
	var errs []error
	for _, dir := range dirs {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			errs = append(errs, err)
			continue
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		switch {
		case !fi.IsDir():
			errs = append(errs, fmt.Errorf("%s is not a directory", dir))
		case st == nil || int(st.Uid) != os.Geteuid():
			errs = append(errs, fmt.Errorf("%s belongs to another user", dir))
		case fi.Mode().Perm()&0o077 != 0:
			errs = append(errs, fmt.Errorf("%s may be changed by others (mode %v)", dir, fi.Mode().Perm()))
		default:
			return dir, nil
		}
	}
	return "", errors.Join(errs...)
}
