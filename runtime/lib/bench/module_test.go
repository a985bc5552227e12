package bench_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
)

// syncBuf is a bytes.Buffer safe for the runtime's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLuaBenchRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	out, errOut := &syncBuf{}, &syncBuf{}
	rt, err := runtime.New(runtime.Options{Stdout: out, Stderr: errOut})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	defer rt.Stop(ctx)
	if err := rt.RunFile("testdata/bench.lua", []string{"tcp://" + ln.Addr().String()}); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if err := rt.Wait(ctx); err != nil {
		t.Fatalf("wait: %v\n%s", err, errOut)
	}
	if !strings.Contains(out.String(), "bench.lua ok") || errOut.String() != "" {
		t.Fatalf("stdout %q\nstderr %q", out, errOut)
	}
}
