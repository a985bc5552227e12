package proxy_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/lib/proxy"
)

// An echo server behind a proxy that adds 50 ms each way; a live Set
// then takes the latency away from the open conn.
func Example() {
	eng, err := reactor.New(reactor.WithLoops(1), reactor.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		panic(err)
	}
	defer eng.Stop(context.Background())

	ln, _ := net.Listen("tcp", "127.0.0.1:0") // the upstream: a Go echo server
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(c, c)
		}
	}()

	p, err := proxy.New(eng, "tcp://127.0.0.1:0", "tcp://"+ln.Addr().String(), proxy.Config{
		Faults: proxy.Faults{Latency: 50 * time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	defer p.Close(context.Background())

	c, _ := net.Dial("tcp", p.Addr().String())
	defer c.Close()
	roundTrip := func() time.Duration {
		start := time.Now()
		c.Write([]byte("x"))
		io.ReadFull(c, make([]byte, 1))
		return time.Since(start)
	}
	fmt.Println("slow:", roundTrip() >= 100*time.Millisecond)

	p.Set(proxy.Faults{}) // existing conns follow
	roundTrip()           // the change reaches the conn's loop
	fmt.Println("fast:", roundTrip() < 100*time.Millisecond)
	fmt.Println(p.Stats().Faults.Delayed > 0)
	// Output:
	// slow: true
	// fast: true
	// true
}
