package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"
)

// Programs the tests run for real.
const (
	poolProgram = `import multiprocessing as mp
import os


def square(n):
    print(f"worker {os.getpid()} squares {n}", flush=True)
    return n * n


if __name__ == "__main__":
    with mp.Pool(3) as pool:
        print("results:", pool.map(square, range(6)), flush=True)
`
	sleepProgram = `import time
print("sleeping", flush=True)
time.sleep(60)
`
)

// testCatalog is a small course of fixed lessons.
func testCatalog() *StaticCatalog {
	return &StaticCatalog{List: []Lesson{
		{
			Slug: "pool", Number: 1, Title: "A pool of workers",
			Summary: "Hand work to several processes at once.",
			Prose: "A **Pool** starts worker processes and hands them tasks.\n\n" +
				"```python\nwith mp.Pool(3) as pool:\n    pool.map(square, range(6))\n```\n\n" +
				"Press **Run** and watch the workers appear in the tree.\n\n<script>alert(1)</script>\n",
			Example: poolProgram,
		},
		{
			Slug: "sleep", Number: 2, Title: "A process that waits",
			Summary: "Stop a program that runs for too long.",
			Prose:   "This program sleeps for a minute. Press **Stop**.\n",
			Example: sleepProgram,
		},
	}}
}

var (
	runnerOnce sync.Once
	theRunner  *runner.Runner
	runnerErr  error
)

// realRunner returns the runner the server uses, with the sandbox. Without
// a sandbox on this machine the test is skipped, except under CI=true,
// where it fails: the web tests run programs as the server does.
func realRunner(tb testing.TB) *runner.Runner {
	tb.Helper()
	runnerOnce.Do(func() {
		// The default wall time on a quiet machine, longer on a busy one:
		// only the tests of the wall time may end in it.
		wall := testload.Scaled(tb, runner.DefaultWallTime, 150)
		theRunner, runnerErr = runner.New(runner.Config{Limits: event.Limits{WallTime: wall}})
		if runnerErr == nil {
			runnerErr = theRunner.SandboxError()
		}
	})
	if runnerErr != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("the sandbox is required under CI: %v", runnerErr)
		}
		tb.Skipf("no sandbox on this machine: %v", runnerErr)
	}
	return theRunner
}

// concurrentRunner is a runner of its own for a test that starts runs
// concurrent runs at once: each run's wall time grows with them (they share
// the cores), on top of the machine's load, so that only a hang ends one.
func concurrentRunner(tb testing.TB, runs int) *runner.Runner {
	tb.Helper()
	realRunner(tb) // skips, or fails under CI, without a sandbox
	wall := testload.Scaled(tb, runner.DefaultWallTime, 150+20*runs)
	r, err := runner.New(runner.Config{Limits: event.Limits{WallTime: wall}})
	if err != nil {
		tb.Fatalf("runner.New: %v", err)
	}
	tb.Cleanup(r.Close)
	return r
}

func quietLogger() *slog.Logger {
	if os.Getenv("WEB_TEST_LOG") != "" {
		return slog.Default()
	}
	return slog.New(slog.NewTextHandler(discard{}, nil))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// MustServer starts the real web server on a free port.
func MustServer(tb testing.TB, cfg Config) (*Server, *httptest.Server) {
	tb.Helper()
	if cfg.Catalog == nil {
		cfg.Catalog = testCatalog()
	}
	if cfg.Executor == nil {
		r := realRunner(tb)
		cfg.Executor, cfg.Sandbox = r, r
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	app, err := New(cfg)
	if err != nil {
		tb.Fatalf("web.New: %v", err)
	}
	ts := httptest.NewServer(app)
	tb.Cleanup(func() {
		ts.Close()
		app.Shutdown(tb.Context())
	})
	return app, ts
}

// localRequest is a request as the server sees one sent to 127.0.0.1:8080,
// for a handler called without a listener (benchmarks).
func localRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:8080"+target, nil)
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
}

// MustGet fetches a page and parses it.
func MustGet(tb testing.TB, client *http.Client, url string, header ...string) (*http.Response, *goquery.Document) {
	tb.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		return res, nil
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		tb.Fatalf("parse %s: %v", url, err)
	}
	return res, doc
}

func byTestID(doc *goquery.Document, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
