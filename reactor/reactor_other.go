//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package reactor

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// This file lets the package build on systems without epoll or kqueue:
// New returns ErrUnsupported, so none of the types below is ever live.

// Engine owns event loops; on this system New always fails.
type Engine struct{}

// New returns ErrUnsupported on this system.
func New(opts ...Option) (*Engine, error) { return nil, ErrUnsupported }

// Listen returns ErrUnsupported.
func (e *Engine) Listen(url string, h Handler, cfg ListenConfig) (*Listener, error) {
	return nil, ErrUnsupported
}

// Dial returns ErrUnsupported.
func (e *Engine) Dial(ctx context.Context, url string, h Handler, cfg DialConfig) (*Conn, error) {
	return nil, ErrUnsupported
}

// DialAsync calls done with ErrUnsupported.
func (e *Engine) DialAsync(url string, h Handler, cfg DialConfig, done func(c *Conn, err error)) {
	if done != nil {
		done(nil, ErrUnsupported)
	}
}

// Stop returns nil.
func (e *Engine) Stop(ctx context.Context) error { return nil }

// Loops returns nil.
func (e *Engine) Loops() []*Loop { return nil }

// Stats returns zero stats.
func (e *Engine) Stats() EngineStats { return EngineStats{} }

// Conns returns nil.
func (e *Engine) Conns() []ConnInfo { return nil }

// Conn returns nil.
func (e *Engine) Conn(id uint64) *Conn { return nil }

// Loop is an event loop; never live on this system.
type Loop struct {
	nconns atomic.Int64 // read by the shared balancer code in lb.go
}

// Index returns 0.
func (l *Loop) Index() int { return 0 }

// Execute returns ErrUnsupported.
func (l *Loop) Execute(fn func()) error { return ErrUnsupported }

// ExecuteUnbounded returns ErrUnsupported.
func (l *Loop) ExecuteUnbounded(fn func()) error { return ErrUnsupported }

// AfterFunc returns an inert timer.
func (l *Loop) AfterFunc(d time.Duration, fn func()) *Timer { return &Timer{} }

// EveryFunc returns an inert timer.
func (l *Loop) EveryFunc(d time.Duration, fn func()) *Timer { return &Timer{} }

// NumConns returns 0.
func (l *Loop) NumConns() int { return 0 }

// Timer is a loop timer; inert on this system.
type Timer struct{}

// Stop returns false.
func (t *Timer) Stop() bool { return false }

// Reset returns false.
func (t *Timer) Reset(d time.Duration) bool { return false }

// Listener is a listening socket; never live on this system.
type Listener struct{}

// Addr returns nil.
func (ln *Listener) Addr() net.Addr { return nil }

// URL returns "".
func (ln *Listener) URL() string { return "" }

// Close returns ErrUnsupported.
func (ln *Listener) Close(ctx context.Context) error { return ErrUnsupported }

// Stats returns zero stats.
func (ln *Listener) Stats() ListenerStats { return ListenerStats{} }

// Conns returns nil.
func (ln *Listener) Conns() []ConnInfo { return nil }

// Conn is a connection; never live on this system.
type Conn struct{ ctx any }

// Peek returns ErrUnsupported.
func (c *Conn) Peek(n int) ([]byte, error) { return nil, ErrUnsupported }

// Next returns ErrUnsupported.
func (c *Conn) Next(n int) ([]byte, error) { return nil, ErrUnsupported }

// Discard returns ErrUnsupported.
func (c *Conn) Discard(n int) (int, error) { return 0, ErrUnsupported }

// InboundBuffered returns 0.
func (c *Conn) InboundBuffered() int { return 0 }

// Write returns ErrUnsupported.
func (c *Conn) Write(p []byte) (int, error) { return 0, ErrUnsupported }

// Writev returns ErrUnsupported.
func (c *Conn) Writev(bs [][]byte) (int, error) { return 0, ErrUnsupported }

// CloseWrite returns ErrUnsupported.
func (c *Conn) CloseWrite() error { return ErrUnsupported }

// AsyncWrite returns ErrUnsupported.
func (c *Conn) AsyncWrite(p []byte, done func(c *Conn, err error)) error { return ErrUnsupported }

// AsyncWritev returns ErrUnsupported.
func (c *Conn) AsyncWritev(bs [][]byte, done func(c *Conn, err error)) error {
	return ErrUnsupported
}

// Wake returns ErrUnsupported.
func (c *Conn) Wake(done func(c *Conn, err error)) error { return ErrUnsupported }

// Close returns ErrUnsupported.
func (c *Conn) Close() error { return ErrUnsupported }

// CloseWithError returns ErrUnsupported.
func (c *Conn) CloseWithError(err error) error { return ErrUnsupported }

// Abort returns ErrUnsupported.
func (c *Conn) Abort(err error) error { return ErrUnsupported }

// Pause returns ErrUnsupported.
func (c *Conn) Pause() error { return ErrUnsupported }

// Resume returns ErrUnsupported.
func (c *Conn) Resume() error { return ErrUnsupported }

// ArmWritable does nothing.
func (c *Conn) ArmWritable() {}

// OutboundBuffered returns 0.
func (c *Conn) OutboundBuffered() int { return 0 }

// ID returns 0.
func (c *Conn) ID() uint64 { return 0 }

// Network returns "".
func (c *Conn) Network() string { return "" }

// LocalAddr returns nil.
func (c *Conn) LocalAddr() net.Addr { return nil }

// RemoteAddr returns nil.
func (c *Conn) RemoteAddr() net.Addr { return nil }

// Loop returns nil.
func (c *Conn) Loop() *Loop { return nil }

// Listener returns nil.
func (c *Conn) Listener() *Listener { return nil }

// Info returns a zero ConnInfo.
func (c *Conn) Info() ConnInfo { return ConnInfo{} }

// Context returns the value set by SetContext.
func (c *Conn) Context() any { return c.ctx }

// SetContext stores v.
func (c *Conn) SetContext(v any) { c.ctx = v }

func defaultMaxConns() int { return DefaultEngineMaxConns }

// MaxConnsLimit returns DefaultEngineMaxConns on this system.
func MaxConnsLimit() int { return DefaultEngineMaxConns }

// SetMaxConns returns ErrUnsupported.
func (e *Engine) SetMaxConns(n int) error { return ErrUnsupported }

// MaxConns returns 0.
func (e *Engine) MaxConns() int { return 0 }

// SetMaxOutbound is not supported on this platform.
func (c *Conn) SetMaxOutbound(n int) {}

// LeaveListenerCap is not supported on this platform.
func (c *Conn) LeaveListenerCap() {}
