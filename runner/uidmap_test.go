package runner

import (
	"strings"
	"testing"
)

// The server's log names the uid whose user namespace it is root of (the
// image's entry point makes one with newuidmap), and nothing on a host.
func TestNamespaceRootIs(t *testing.T) {
	for text, want := range map[string]int{
		"         0          0 4294967295\n": -1,
		"         0      10001          1\n     65533      65533          1\n2000000000 2000000000       1000\n": 10001,
		"  1000  1000  1\n": -1,
		"":                  -1,
	} {
		outer, ok := namespaceRootIs(strings.NewReader(text))
		if got := map[bool]int{true: outer, false: -1}[ok]; got != want {
			t.Errorf("%q: %d, want %d", text, got, want)
		}
	}
}
