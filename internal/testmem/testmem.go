// Package testmem measures how much of the test process's heap a piece of
// work takes at its peak: a run whose server or runner lives in the test
// process must stay within a bound whatever the program sends. Only tests
// import it.
package testmem

import (
	"runtime"
	"sync/atomic"
	"time"
)

// sampleEvery is how often the heap is read while the work goes on.
const sampleEvery = 5 * time.Millisecond

// PeakGrowth runs f while sampling the heap and returns how far its peak
// rose above the heap before f (after a forced collection).
func PeakGrowth(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	f()
	close(stop)
	<-done
	return max(peak.Load(), before) - before
}
