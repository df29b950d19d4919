package web

import (
	"context"
	"strconv"
	"time"
)

// statusName is a run status in words, in the request's language.
func statusName(ctx context.Context, status string) string {
	return T(ctx, "runstatus."+status)
}

// formatMS writes a duration as milliseconds below ten seconds, else as
// seconds with one decimal.
func formatMS(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10000 {
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
}
