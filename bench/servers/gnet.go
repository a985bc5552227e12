//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package servers

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// GnetServer is an echo server on github.com/panjf2000/gnet/v2 in the
// library's idiomatic form: OnTraffic takes everything readable with Next(-1)
// and writes it back with Write on the event loop. It is a reference point
// for netplay's reactor, which is built in the same spirit.
type GnetServer struct {
	gnet.BuiltinEventEngine
	eng   gnet.Engine
	addr  string
	ready chan struct{}
	done  chan error
}

// StartGnetEcho listens on addr (host:port; port 0 picks a free one) and
// serves the echo in the background with one event loop per CPU (gnet's
// multicore mode). loops > 0 sets the number of event loops instead.
func StartGnetEcho(addr string, loops int) (*GnetServer, error) {
	s := &GnetServer{ready: make(chan struct{}), done: make(chan error, 1)}
	opts := []gnet.Option{gnet.WithMulticore(true), gnet.WithTCPNoDelay(gnet.TCPNoDelay), gnet.WithLogger(quietLog{})}
	if loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(loops))
	}
	go func() { s.done <- gnet.Run(s, "tcp://"+addr, opts...) }()
	select {
	case <-s.ready:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("gnet listen %s: %w", addr, err)
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("gnet listen %s: not booted after 10s", addr)
	}
}

// OnBoot records the engine and the bound address.
func (s *GnetServer) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	if fd, err := eng.Dup(); err == nil {
		s.addr = localAddrOfFD(fd)
	}
	close(s.ready)
	return gnet.None
}

// OnTraffic echoes what is readable.
func (s *GnetServer) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

// Addr returns the address the server listens on, as host:port.
func (s *GnetServer) Addr() string { return s.addr }

// Close stops the engine, waiting at most grace.
func (s *GnetServer) Close(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := s.eng.Stop(ctx)
	<-s.done
	return err
}

// quietLog keeps gnet's informational lines off stdout, whose first line the
// benchmark runner reads for the address; warnings and errors go to stderr.
type quietLog struct{}

func (quietLog) Debugf(string, ...any)          {}
func (quietLog) Infof(string, ...any)           {}
func (quietLog) Warnf(format string, a ...any)  { fmt.Fprintf(os.Stderr, "gnet: "+format+"\n", a...) }
func (quietLog) Errorf(format string, a ...any) { fmt.Fprintf(os.Stderr, "gnet: "+format+"\n", a...) }
func (quietLog) Fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "gnet: "+format+"\n", a...)
	os.Exit(1)
}

// localAddrOfFD returns the host:port a TCP socket is bound to and closes fd
// (a duplicate the caller no longer needs); "" if it cannot be read.
func localAddrOfFD(fd int) string {
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return ""
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return ""
}
