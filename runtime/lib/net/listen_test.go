package net

import (
	"strings"
	"testing"
)

// Every spelling of "all interfaces" warns; loopback and a missing host
// (127.0.0.1) do not. Checked without binding: tests listen on loopback only.
func TestUnspecifiedWarning(t *testing.T) {
	for _, u := range []string{
		"tcp://0.0.0.0:9000", "tcp://[::]:9000", "tcp://[::0]:9000",
		"tcp://[0:0:0:0:0:0:0:0]:9000", "tcp://[::ffff:0.0.0.0]:9000",
		"udp://0.0.0.0:9000", "udp://[::]:9000", "0.0.0.0:9000",
	} {
		if w := unspecifiedWarning(u); !strings.Contains(w, u+" listens on every interface") {
			t.Errorf("%s: warning %q", u, w)
		}
	}
	for _, u := range []string{"tcp://127.0.0.1:9000", "tcp://[::1]:9000", "tcp://:9000", "unix:///tmp/x.sock", "tcp://localhost:9000"} {
		if w := unspecifiedWarning(u); w != "" {
			t.Errorf("%s: unexpected warning %q", u, w)
		}
	}
}
