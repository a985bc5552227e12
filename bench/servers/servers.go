// Package servers holds the echo servers that netplay's benchmark compares
// side by side, and the small pieces every server command shares: the
// "listening ADDR" announcement the runner reads and the wait for a stop
// signal.
//
// Each server echoes every byte it reads back to the same connection and
// does nothing else, so a load generator measures the network core and not
// the handler.
package servers

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Announce writes "listening ADDR" as one line to w. The benchmark runner and
// the idleconns tool read this first line of a server's stdout to learn the
// port the server bound.
func Announce(w io.Writer, addr string) error {
	_, err := fmt.Fprintf(w, "listening %s\n", addr)
	return err
}

// WaitSignal blocks until the process receives SIGINT or SIGTERM and returns
// the signal.
func WaitSignal() os.Signal {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	s := <-ch
	signal.Stop(ch)
	return s
}

// Server is an echo server started in the background.
type Server interface {
	Addr() string                    // host:port it listens on
	Close(grace time.Duration) error // stops it, waiting at most grace
}

// Serve is the body of a server command: it announces s on stdout, waits
// for SIGINT or SIGTERM and closes s, reporting errors as name: ….
func Serve(name string, s Server) {
	if err := Announce(os.Stdout, s.Addr()); err != nil {
		os.Exit(1)
	}
	WaitSignal()
	if err := s.Close(time.Second); err != nil {
		fmt.Fprintf(os.Stderr, "%s: shutdown %s: %v\n", name, s.Addr(), err)
	}
}
