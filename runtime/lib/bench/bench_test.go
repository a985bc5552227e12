package bench

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEchoGoNet(t *testing.T) {
	url := goEchoServer(t, nil)
	res := run(t, Config{URL: url, Conns: 8, Duration: 500 * time.Millisecond})
	var b bytes.Buffer
	WriteText(&b, res)
	t.Log("\n" + b.String())
	if res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("requests %d errors %d %v", res.Requests, res.Errors, res.ByKind)
	}
}
