package event

import (
	"crypto/rand"
	"encoding/base64"
)

// runIDBytes is the size of a run id's random value (run.start's run_id):
// 128 bits cannot be guessed or enumerated, so a link to a run is its only
// key.
const runIDBytes = 16

// runIDLen is the length of a run id's text: 16 bytes in unpadded base64url.
const runIDLen = 22

// NewRunID returns a fresh run id: 128 random bits from crypto/rand as 22
// characters of URL-safe base64 without padding.
func NewRunID() string {
	var b [runIDBytes]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program rather than return short.
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidRunID reports whether s has the exact form of an id from NewRunID
// (22 characters of base64url encoding 16 bytes, canonically). Anything else
// can be answered "not found" without a query.
func ValidRunID(s string) bool {
	if len(s) != runIDLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == runIDBytes
}
