package main

import (
	"context"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/bench/servers"
	"github.com/netplay-lab/netplay/reactor"
)

func TestReactorEcho(t *testing.T) {
	eng, err := reactor.New(reactor.WithLoops(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		eng.Stop(ctx)
	})
	ln, err := eng.Listen("tcp://127.0.0.1:0", &echo{}, reactor.ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		size  int
		chunk int
	}{
		{name: "one byte", size: 1, chunk: 1},
		{name: "16 pipelined 64 B requests", size: 16 * 64, chunk: 16 * 64},
		{name: "1 MiB in 1000 B writes", size: 1 << 20, chunk: 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := servers.VerifyEcho(ln.Addr().String(), servers.Payload(tc.size), tc.chunk, 10*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}
