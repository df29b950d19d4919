package web

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"mpplayground/event"
)

// scrape reads /metrics as Prometheus does and parses it.
func scrape(tb testing.TB, base string) map[string]*dto.MetricFamily {
	tb.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		tb.Fatalf("GET /metrics: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		tb.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metricValue is the value of the series of name with the given label
// (label "" for none): a counter's or gauge's value, a histogram's count.
func metricValue(tb testing.TB, fams map[string]*dto.MetricFamily, name, label, value string) float64 {
	tb.Helper()
	f, ok := fams[name]
	if !ok {
		tb.Fatalf("no metric %s", name)
	}
	for _, m := range f.GetMetric() {
		if label != "" {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	tb.Fatalf("no series %s{%s=%q}", name, label, value)
	return 0
}

func histogramSum(tb testing.TB, fams map[string]*dto.MetricFamily, name string) float64 {
	tb.Helper()
	return fams[name].GetMetric()[0].GetHistogram().GetSampleSum()
}

func TestMetrics(t *testing.T) {
	_, ts := MustServer(t, Config{})

	t.Run("EveryStatusAndLimitKindStartsAtZero", func(t *testing.T) {
		fams := scrape(t, ts.URL)
		for _, s := range []string{"ok", "error", "timeout", "limit", "stopped", "internal_error"} {
			if v := metricValue(t, fams, "playground_runs_total", "status", s); v != 0 {
				t.Errorf("runs %s = %v before any run", s, v)
			}
		}
		for _, k := range []string{"wall_time", "cpu_time", "memory", "pids", "output", "disk"} {
			metricValue(t, fams, "playground_limits_hit_total", "kind", k)
		}
	})

	c := MustDial(t, ts, nil)
	c.send(runMsg("pool", poolProgram))
	events, _, _ := c.runToEnd(runTimeout)
	if end := events[len(events)-1]; end.Status != event.StatusOK {
		t.Fatalf("run.end %+v", end)
	}
	c.send(runMsg("pool", "import sys\nsys.stdout.write('x' * (4 << 20))\n"))
	cut, _, _ := c.runToEnd(runTimeout)
	if end := cut[len(cut)-1]; end.Status != event.StatusLimit {
		t.Fatalf("run.end of the program over the output limit: %+v", end)
	}

	t.Run("ARealRunIsCounted", func(t *testing.T) {
		fams := scrape(t, ts.URL)
		if v := metricValue(t, fams, "playground_runs_total", "status", "ok"); v != 1 {
			t.Errorf("runs ok = %v, want 1", v)
		}
		if v := metricValue(t, fams, "playground_runs_total", "status", "limit"); v != 1 {
			t.Errorf("runs limit = %v, want 1", v)
		}
		if v := metricValue(t, fams, "playground_limits_hit_total", "kind", "output"); v != 1 {
			t.Errorf("output limits hit = %v, want 1", v)
		}
		if v := metricValue(t, fams, "playground_run_duration_seconds", "", ""); v != 2 {
			t.Errorf("run durations observed: %v, want 2", v)
		}
		var want float64
		for _, e := range append(events, cut...) {
			if e.DurationMS != nil {
				want += *e.DurationMS / 1000
			}
		}
		if got := histogramSum(t, fams, "playground_run_duration_seconds"); got < want*0.999 || got > want*1.001 {
			t.Errorf("sum of run durations %v s, run.end says %v s", got, want)
		}
		if v := metricValue(t, fams, "playground_queue_wait_seconds", "", ""); v != 2 {
			t.Errorf("queue waits observed: %v, want 2", v)
		}
		if v := metricValue(t, fams, "playground_events_streamed_total", "", ""); v != float64(len(events)+len(cut)) {
			t.Errorf("events streamed %v, the client received %d", v, len(events)+len(cut))
		}
		if v := metricValue(t, fams, "playground_runs_active", "", ""); v != 0 {
			t.Errorf("active runs %v after both ended", v)
		}
		if v := metricValue(t, fams, "playground_websocket_connections", "", ""); v != 1 {
			t.Errorf("WebSocket connections %v, one is open", v)
		}
		if v := metricValue(t, fams, "playground_run_slots", "", ""); v < 1 {
			t.Errorf("run slots %v", v)
		}
		metricValue(t, fams, "playground_runs_queued", "", "")
		metricValue(t, fams, "go_goroutines", "", "")
	})

	t.Run("ARunningProgramIsActive", func(t *testing.T) {
		c.send(runMsg("sleep", sleepProgram))
		for {
			if m, _ := c.next(runTimeout); m.Type == event.TypeOutput {
				break
			}
		}
		if v := metricValue(t, scrape(t, ts.URL), "playground_runs_active", "", ""); v != 1 {
			t.Errorf("active runs %v while one sleeps", v)
		}
		c.send(map[string]string{"type": "stop"})
		c.runToEnd(runTimeout)
		fams := scrape(t, ts.URL)
		if v := metricValue(t, fams, "playground_runs_total", "status", "stopped"); v != 1 {
			t.Errorf("runs stopped = %v, want 1", v)
		}
	})

	t.Run("EachServerHasItsOwnFigures", func(t *testing.T) {
		_, other := MustServer(t, Config{})
		if v := metricValue(t, scrape(t, other.URL), "playground_runs_total", "status", "ok"); v != 0 {
			t.Errorf("a new server counts %v runs", v)
		}
	})
}
