package web

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"
)

// Teacher sign-in attempts are throttled per client address, so that the
// token cannot be guessed at the server's speed: a few attempts at once,
// then one every signInEvery. Every attempt counts, the right token too,
// so that the answer to a throttled attempt says nothing about the token.
const (
	signInBurst = 5
	signInEvery = 12 * time.Second
	// maxThrottledClients bounds the addresses remembered; past it, those
	// whose attempts are all back are forgotten, and if none is, all are.
	maxThrottledClients = 10_000
)

// throttle is a token bucket per key, kept as the time at which the
// bucket will be full again (the "generic cell rate" form).
type throttle struct {
	burst int
	every time.Duration
	max   int
	now   func() time.Time

	mu   sync.Mutex
	full map[string]time.Time
}

func newThrottle(burst int, every time.Duration, max int) *throttle {
	return &throttle{burst: burst, every: every, max: max, now: time.Now, full: map[string]time.Time{}}
}

// allow takes one attempt from key's bucket. When none is left it returns
// false and how long until one is.
func (t *throttle) allow(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	at := t.full[key]
	if at.Before(now) {
		at = now
	}
	// The bucket holds (burst - (at-now)/every) attempts.
	if wait := at.Sub(now) - time.Duration(t.burst-1)*t.every; wait > 0 {
		return false, wait
	}
	if _, known := t.full[key]; !known && len(t.full) >= t.max {
		t.forget(now)
	}
	t.full[key] = at.Add(t.every)
	return true, 0
}

// forget drops the keys whose buckets are full again; all of them if that
// frees nothing, which only many addresses at once can cause.
func (t *throttle) forget(now time.Time) {
	for k, at := range t.full {
		if !at.After(now) {
			delete(t.full, k)
		}
	}
	if len(t.full) >= t.max {
		clear(t.full)
	}
}

// allowSignIn takes a sign-in attempt of r's client, or answers 429 with
// when to try again and returns false.
func (s *Server) allowSignIn(w http.ResponseWriter, r *http.Request) bool {
	key, _ := clientKey(r.RemoteAddr)
	ok, wait := s.signIns.allow(key)
	if ok {
		return true
	}
	secs := int(math.Ceil(wait.Seconds()))
	s.log.Warn("teacher sign-in throttled", "client", key, "retry_after_s", secs)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	http.Error(w, fmt.Sprintf("Too many attempts; try again in %d seconds.", secs), http.StatusTooManyRequests)
	return false
}
