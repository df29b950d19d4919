// Package pgtest starts a throwaway PostgreSQL server for tests: a new
// cluster in a temporary directory, from the binaries of Debian's
// postgresql package, reached on a unix socket in that directory, and
// removed when it stops. Only tests import it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Bounds of a server's life. They are generous on purpose: initdb writes
// and fsyncs a whole cluster, which takes seconds on a loaded 2-core
// machine, and a bound that fails a test there would say nothing about
// the code under test.
const (
	initTimeout  = 3 * time.Minute  // initdb
	readyTimeout = 90 * time.Second // postgres started until it accepts connections
	stopTimeout  = 60 * time.Second // a fast shutdown, before the server is killed
)

// superuser is the role initdb creates; the socket admits it without a
// password (trust). The socket's directory is private (0700) to the user
// the server runs as, so only that user and root reach it.
const superuser = "postgres"

// ErrNotInstalled is returned by Start when no PostgreSQL server binaries
// are found.
var ErrNotInstalled = errors.New("PostgreSQL is not installed (apt-get install postgresql)")

// Server is a running throwaway PostgreSQL.
type Server struct {
	dir     string // the temporary directory: data/ and the socket
	bin     string // the directory of initdb and postgres
	cmd     *exec.Cmd
	exited  chan struct{} // closed when postgres has exited
	waitErr error         // postgres's exit, valid once exited is closed
	dbs     atomic.Int64  // databases made by NewDatabase
	schemas atomic.Int64  // schemas made by NewSchema

	stopOnce sync.Once
	stopErr  error
}

// BinDir returns the directory of the newest PostgreSQL server binaries
// installed (Debian's /usr/lib/postgresql/VERSION/bin), or the directory
// of a postgres on PATH, or ErrNotInstalled.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "postgres")) && isExecutable(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		d := filepath.Dir(p)
		if isExecutable(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// version is the major version in /usr/lib/postgresql/VERSION/bin.
func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Start creates a cluster in a new temporary directory and starts a
// server on it. PostgreSQL refuses to run as root: a root caller runs it
// as the user postgres (which Debian's package creates) or else nobody.
// The server listens only on a unix socket in its directory. Stop it with
// Stop, which also removes the directory.
func Start(ctx context.Context) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin, exited: make(chan struct{})}
	if err := s.start(ctx, cred); err != nil {
		s.stopOnce.Do(func() {}) // nothing of this server is left to stop
		s.kill()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start PostgreSQL from %s: %w", bin, err)
	}
	return s, nil
}

// serverCredential is who the server runs as: nil for the caller itself
// when it is not root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, and there is neither a user postgres nor nobody to run the server as")
}

func (s *Server) start(ctx context.Context, cred *syscall.Credential) error {
	if cred != nil {
		if err := os.Chown(s.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	// A unix socket path is at most 107 bytes.
	if n := len(s.socketPath()); n > 107 {
		return fmt.Errorf("the socket path %s is %d bytes, longer than a unix socket allows; set TMPDIR to a shorter directory", s.socketPath(), n)
	}

	ictx, cancel := context.WithTimeout(ctx, initTimeout)
	defer cancel()
	initdb := exec.CommandContext(ictx, filepath.Join(s.bin, "initdb"),
		"--pgdata", s.dataDir(), "--username", superuser, "--auth", "trust",
		"--encoding", "UTF8", "--locale", "C", "--no-instructions",
		"--no-sync") // a throwaway cluster: not worth its fsyncs
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = s.dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}

	// postgres is this process's child (no pg_ctl, which would detach it)
	// so that it dies with the tests: its parent-death signal is sent
	// when the thread that started it ends, and that thread is kept,
	// locked, until postgres exits.
	log, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		defer log.Close()
		cmd := exec.Command(filepath.Join(s.bin, "postgres"),
			"-D", s.dataDir(),
			"-k", s.dir, // the socket's directory
			"-c", "listen_addresses=",
			"-c", "max_connections=200",
		)
		cmd.Dir = s.dir
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
		if err := cmd.Start(); err != nil {
			started <- err
			close(s.exited)
			return
		}
		s.cmd = cmd
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		return err
	}
	return s.waitReady(ctx)
}

// waitReady connects until the server accepts, it exits, or readyTimeout.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var last error
	for {
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			return c.Close(ctx)
		}
		last = err
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited (%v): %s", s.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections within %v: %v: %s", readyTimeout, last, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) dataDir() string    { return filepath.Join(s.dir, "data") }
func (s *Server) socketPath() string { return filepath.Join(s.dir, ".s.PGSQL.5432") }

// logTail is the end of the server's log, for an error.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return strings.TrimSpace(string(b))
}

// URL is the postgres:// URL of the database name on this server, as the
// superuser, over the unix socket.
func (s *Server) URL(database string) string { return s.url(database, nil) }

func (s *Server) url(database string, params url.Values) string {
	q := url.Values{"host": {s.dir}, "sslmode": {"disable"}}
	for k, v := range params {
		q[k] = v
	}
	u := url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + database, RawQuery: q.Encode()}
	return u.String()
}

// NewSchema creates a new empty schema in the database postgres and
// returns a URL whose search path is that schema, so that what a client
// creates without naming a schema goes there. It is the cheap way to give
// each test a database of its own: a schema costs a catalog row, where
// CREATE DATABASE copies a template (half a second on a busy machine).
func (s *Server) NewSchema(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%d", s.schemas.Add(1))
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create schema %s: %w", name, err)
	}
	return s.url("postgres", url.Values{"search_path": {name}}), nil
}

// NewDatabase creates a new empty database and returns its URL. The
// database goes with the server.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%d", s.dbs.Add(1))
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// Stop shuts the server down (a fast shutdown: sessions are ended) and
// removes its directory. It may be called more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.cmd != nil {
			_ = s.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				s.kill()
				s.stopErr = fmt.Errorf("postgres did not stop within %v; killed", stopTimeout)
			}
		}
		if err := os.RemoveAll(s.dir); err != nil && s.stopErr == nil {
			s.stopErr = err
		}
	})
	return s.stopErr
}

// kill ends postgres at once and waits for it.
func (s *Server) kill() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// Shared is one server shared by the tests of a package: started by the
// first test that asks for it, stopped by the package's TestMain after
// m.Run. The zero value is ready to use.
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pg.Stop()
//		os.Exit(code)
//	}
type Shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Server returns the shared server, starting it on first use. When
// PostgreSQL is missing or cannot start, the test is skipped with the
// reason, or failed under CI=true (where .ci/run installs it).
func (sh *Shared) Server(tb testing.TB) *Server {
	tb.Helper()
	sh.once.Do(func() {
		start := time.Now()
		sh.srv, sh.err = Start(context.Background())
		if sh.err == nil {
			tb.Logf("PostgreSQL from %s started in %v", sh.srv.bin, time.Since(start).Round(time.Millisecond))
		}
	})
	if sh.err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL is required under CI=true: %v", sh.err)
		}
		tb.Skipf("skipped: %v", sh.err)
	}
	return sh.srv
}

// NewDatabase creates an empty database on the shared server and returns
// its URL (see Shared.Server for a missing PostgreSQL).
func (sh *Shared) NewDatabase(tb testing.TB) string {
	tb.Helper()
	srv := sh.Server(tb)
	url, err := srv.NewDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return url
}

// NewSchema creates an empty schema on the shared server and returns a URL
// that uses it (see Server.NewSchema and, for a missing PostgreSQL,
// Shared.Server).
func (sh *Shared) NewSchema(tb testing.TB) string {
	tb.Helper()
	srv := sh.Server(tb)
	url, err := srv.NewSchema(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return url
}

// Stop stops the server if it was started; the error is printed, as
// TestMain has no test to fail.
func (sh *Shared) Stop() {
	if sh.srv != nil {
		if err := sh.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
}

// Dir is the server's temporary directory: its data, log and socket.
func (s *Server) Dir() string { return s.dir }
