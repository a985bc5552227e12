package reactor

import (
	"errors"
	"fmt"
)

// Errors returned by the reactor. Each says when it is returned.
var (
	// ErrUnsupported is returned by New, Listen and Dial on operating systems
	// without an epoll or kqueue poller.
	ErrUnsupported = errors.New("reactor: unsupported operating system")
	// ErrClosed is returned by operations on a conn, listener, loop or engine
	// that has been closed, and passed to AsyncWrite completion callbacks
	// whose conn closed before the data could be queued.
	ErrClosed = errors.New("reactor: closed")
	// ErrEngineStopped is the error OnClose receives for conns closed by
	// Engine.Stop, and the error returned by calls made after Stop.
	ErrEngineStopped = errors.New("reactor: engine stopped")
	// ErrTooManyConns is returned by Dial when the engine already holds
	// Options.MaxConns conns. Accepted conns past a limit are closed at once
	// and counted as rejected instead.
	ErrTooManyConns = errors.New("reactor: too many conns")
	// ErrLoopBusy is returned by Loop.Execute, Conn.AsyncWrite,
	// Conn.AsyncWritev and Conn.Wake when the conn's loop already has
	// Options.MaxTasks tasks queued: the loop is far behind its producers.
	// Nothing was queued and done will not be called; the conn stays open.
	ErrLoopBusy = errors.New("reactor: loop task queue full")
)

// OpError is the error type returned for a failed socket operation. It names
// the operation and the address involved, like net.OpError.
type OpError struct {
	Op   string // "listen", "dial", "read", "write", "accept", ...
	Addr string // the local or remote address the operation was about
	Err  error  // the underlying error, often an *os.SyscallError
}

// Error returns "reactor: OP ADDR: ERR".
func (e *OpError) Error() string {
	if e.Addr == "" {
		return "reactor: " + e.Op + ": " + e.Err.Error()
	}
	return "reactor: " + e.Op + " " + e.Addr + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// Timeout reports whether the error is a timeout.
func (e *OpError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// OutboundFullError is the error a conn is closed with when its outbound
// buffer would grow past its MaxOutbound limit (a peer that does not read).
type OutboundFullError struct {
	Size int // bytes that would have been buffered
	Max  int // the MaxOutbound limit in force
}

// Error returns "outbound_full: SIZE > max_outbound MAX".
func (e *OutboundFullError) Error() string {
	return fmt.Sprintf("outbound_full: %d > max_outbound %d", e.Size, e.Max)
}

// InboundFullError is the error a conn is closed with when its handler
// left more than MaxInbound bytes unconsumed (a frame that never ends).
type InboundFullError struct {
	Size int // bytes buffered after OnTraffic
	Max  int // the MaxInbound limit in force
}

// Error returns "inbound_full: SIZE > max_inbound MAX".
func (e *InboundFullError) Error() string {
	return fmt.Sprintf("inbound_full: %d > max_inbound %d", e.Size, e.Max)
}

// PanicError is the error a conn is closed with when a handler callback
// panicked; the engine recovers the panic and keeps running.
type PanicError struct {
	Callback string // "OnTraffic", "OnOpen", ...
	Value    any    // the value passed to panic
	Stack    []byte // the goroutine stack at the recovery point
}

// Error returns "reactor: panic in CALLBACK: VALUE".
func (e *PanicError) Error() string {
	return fmt.Sprintf("reactor: panic in %s: %v", e.Callback, e.Value)
}
