//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package servers

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudwego/netpoll"
)

// NetpollServer is an echo server on github.com/cloudwego/netpoll in the
// library's idiomatic form: an OnRequest callback that takes everything
// readable with Reader().Next, writes it to the Writer and flushes.
type NetpollServer struct {
	ln   netpoll.Listener
	loop netpoll.EventLoop
	done chan error
}

// StartNetpollEcho listens on addr (host:port; port 0 picks a free one) and
// serves the echo in the background. pollers sets netpoll's number of poll
// loops; 0 keeps netpoll's own default.
func StartNetpollEcho(addr string, pollers int) (*NetpollServer, error) {
	if pollers > 0 {
		if err := netpoll.SetNumLoops(pollers); err != nil {
			return nil, fmt.Errorf("netpoll set loops %d: %w", pollers, err)
		}
	}
	ln, err := netpoll.CreateListener("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("netpoll listen %s: %w", addr, err)
	}
	loop, err := netpoll.NewEventLoop(netpollEcho)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("netpoll event loop %s: %w", addr, err)
	}
	s := &NetpollServer{ln: ln, loop: loop, done: make(chan error, 1)}
	go func() { s.done <- loop.Serve(ln) }()
	return s, nil
}

// Addr returns the address the server listens on, as host:port.
func (s *NetpollServer) Addr() string { return s.ln.Addr().String() }

// Close shuts the event loop down, waiting at most grace for busy
// connections.
func (s *NetpollServer) Close(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := s.loop.Shutdown(ctx)
	<-s.done
	return err
}

func netpollEcho(_ context.Context, c netpoll.Connection) error {
	r, w := c.Reader(), c.Writer()
	defer r.Release()
	n := r.Len()
	if n == 0 {
		return nil
	}
	p, err := r.Next(n)
	if err != nil {
		return err
	}
	if _, err := w.WriteBinary(p); err != nil {
		return err
	}
	return w.Flush()
}
