package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mpplayground/event"
)

// Print-to-client latency: the time from a program's write() to the moment
// a WebSocket client has the event, while 10 runs stream at once. Each
// program writes a line with the wall clock (CLOCK_REALTIME, which the
// sandbox shares with the host) every 10 ms, and ten lines of filler after
// each, for 2 s. The floors are those of the issue.
//
//	go test -run '^$' -bench PrintToClientLatency -benchtime 1x ./web
const (
	latencyRuns     = 10
	latencyP50Floor = 20 * time.Millisecond
	latencyP99Floor = 100 * time.Millisecond
)

const latencyProgram = `import os, time
filler = b"".join(b"filler line %d of a busy program\n" % i for i in range(10))
for i in range(200):
    os.write(1, b"T %d\n" % time.time_ns())
    os.write(2, filler)
    time.sleep(0.01)
`

func BenchmarkPrintToClientLatency(b *testing.B) {
	_, ts := MustServer(b, Config{MaxRuns: latencyRuns})
	for b.Loop() {
		var (
			mu      sync.Mutex
			samples []time.Duration
			wg      sync.WaitGroup
		)
		for range latencyRuns {
			c := MustDial(b, ts, nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.send(runMsg("pool", latencyProgram))
				var mine []time.Duration
				deadline := time.After(runTimeout)
				for {
					var r received
					select {
					case r = <-c.in:
					case <-deadline:
						b.Error("run did not end")
						return
					}
					var m message
					if err := json.Unmarshal(r.raw, &m); err != nil {
						b.Error(err)
						return
					}
					if m.Type == event.TypeRunEnd {
						if m.Status != event.StatusOK {
							b.Errorf("run ended %q: %s", m.Status, m.Message)
						}
						break
					}
					if m.Type != event.TypeOutput || m.Stream != "stdout" {
						continue
					}
					for _, line := range strings.Split(strings.TrimSpace(m.Text), "\n") {
						ns, err := strconv.ParseInt(strings.TrimPrefix(line, "T "), 10, 64)
						if err == nil {
							mine = append(mine, r.at.Sub(time.Unix(0, ns)))
						}
					}
				}
				mu.Lock()
				samples = append(samples, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(samples) < latencyRuns*100 {
			b.Fatalf("only %d samples", len(samples))
		}
		slices.Sort(samples)
		p50 := samples[len(samples)/2]
		p99 := samples[len(samples)*99/100]
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(samples[len(samples)-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(len(samples)), "samples")
		b.Log(fmt.Sprintf("%d samples from %d concurrent runs: p50 %v, p99 %v, max %v",
			len(samples), latencyRuns, p50, p99, samples[len(samples)-1]))
		if p50 > latencyP50Floor || p99 > latencyP99Floor {
			b.Errorf("latency over the floor: p50 %v (floor %v), p99 %v (floor %v)", p50, latencyP50Floor, p99, latencyP99Floor)
		}
	}
}
