package reactor

import "testing"

func TestIsUnspecified(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"tcp://0.0.0.0:9000", true},
		{"tcp://[::]:9000", true},
		{"tcp://[::0]:9000", true},
		{"tcp://[0:0:0:0:0:0:0:0]:9000", true},
		{"tcp://[0000:0000:0000:0000:0000:0000:0000:0000]:9000", true},
		{"tcp://[::ffff:0.0.0.0]:9000", true},
		{"tcp://[::ffff:0:0]:9000", true},
		{"tcp://[::%lo]:9000", true},
		{"tcp4://0.0.0.0:0", true},
		{"tcp6://[::]:0", true},
		{"udp://0.0.0.0:53", true},
		{"udp6://[::0]:53", true},
		{"0.0.0.0:9000", true},
		{"[::]:9000", true},
		{"tcp://0.0.0.0:9000/", true},
		{"tcp://:9000", false}, // ParseURL: a missing host is 127.0.0.1
		{"tcp6://:9000", false},
		{":9000", false},
		{"tcp://127.0.0.1:9000", false},
		{"tcp://[::1]:9000", false},
		{"tcp://[::ffff:127.0.0.1]:9000", false},
		{"tcp://localhost:9000", false},
		{"tcp://0.0.0.1:9000", false},
		{"unix:///tmp/x.sock", false},
		{"tcp://0.0.0.0", false}, // no port: not a URL ParseURL takes
		{"", false},
	}
	for _, tt := range tests {
		if got := IsUnspecified(tt.url); got != tt.want {
			t.Errorf("IsUnspecified(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}
