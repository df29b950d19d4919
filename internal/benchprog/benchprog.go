// Package benchprog holds the programs that the overhead benchmarks time
// against bare python3 (docs/benchmarks.md), and the median they compare:
// the runner's benchmark and the CLI's use the same ones. Only tests
// import it.
package benchprog

import (
	"slices"
	"testing"
	"time"
)

const (
	// Trivial is the smallest program: its cost is the fixed cost.
	Trivial = "print('hello')\n"
	// Pool4 maps eight CPU-bound tasks on a Pool(4): the cost of a
	// program with processes.
	Pool4 = `
from multiprocessing import Pool
def work(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
if __name__ == "__main__":
    with Pool(4) as p:
        print(sum(p.map(work, [300000] * 8)))
`
)

// Compare reports the medians of bare runs and of the same programs run
// another way, as benchmark metrics: bare-ms, NAME-ms, COST-ms (the
// difference), ratio (of the medians) and pair-ratio (the median of each
// pair's ratio: bare[i] and other[i] ran one after the other); it returns
// the two medians.
func Compare(b *testing.B, bare, other []time.Duration, name, cost string) (mb, mo time.Duration) {
	mb, mo = Median(bare), Median(other)
	ratios := make([]float64, len(bare))
	for i := range bare {
		ratios[i] = float64(other[i]) / float64(bare[i])
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(mb.Microseconds())/1000, "bare-ms")
	b.ReportMetric(float64(mo.Microseconds())/1000, name+"-ms")
	b.ReportMetric(float64((mo-mb).Microseconds())/1000, cost+"-ms")
	b.ReportMetric(float64(mo)/float64(mb), "ratio")
	b.ReportMetric(ratios[len(ratios)/2], "pair-ratio")
	return mb, mo
}

// Median is the middle of the durations (the upper one of an even count).
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
