package dispatch

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"mpplayground/event"
	"mpplayground/runner"
)

// BenchmarkDispatchOverhead is the cost of the dispatch for a trivial
// program: the same runner executes print("hello") in this process, as a
// one-box server does, and through NATS JetStream (a client, an embedded
// server on loopback, a worker), one after the other, so that the
// machine's load falls on both alike. It reports the medians and their
// difference:
//
//	go test -run '^$' -bench DispatchOverhead -benchtime 60x ./dispatch
func BenchmarkDispatchOverhead(b *testing.B) {
	r, err := runner.New(runner.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if err := r.SandboxError(); err != nil {
		b.Skipf("no sandbox: %v", err)
	}
	s, err := Embedded{Name: "bench", StoreDir: b.TempDir()}.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown()
	wc, cc := connectB(b, s.ClientURL()), connectB(b, s.ClientURL())
	w, err := NewWorker(context.Background(), wc, Streams{}, r, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Serve(ctx)
	c, err := NewClient(context.Background(), cc, Streams{})
	if err != nil {
		b.Fatal(err)
	}
	req := func() runner.Request {
		return runner.Request{Program: []byte("print('hello')\n"), Limits: event.Limits{WallTime: 20 * time.Second}}
	}
	timeRun := func(exec Executor) time.Duration {
		// Each run starts on a settled machine: the runner has made its
		// next init ready, as between two learners' clicks.
		time.Sleep(settle)
		start := time.Now()
		res := exec.Run(context.Background(), req(), func(event.Event) {})
		if res.Status != event.StatusOK {
			b.Fatalf("status %s", res.Status)
		}
		return time.Since(start)
	}
	// Warm both paths: the inits kept ready, the consumers.
	timeRun(r)
	timeRun(c)
	var direct, dispatched []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		direct = append(direct, timeRun(r))
		dispatched = append(dispatched, timeRun(c))
	}
	b.StopTimer()
	md, mx := median(direct), median(dispatched)
	b.ReportMetric(ms(md), "ms-in-process")
	b.ReportMetric(ms(mx), "ms-dispatched")
	b.ReportMetric(ms(mx-md), "ms-overhead")
}

// settle is the pause before each run.
const settle = 100 * time.Millisecond

func connectB(b *testing.B, url string) *nats.Conn {
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	return nc
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
