//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

// A conn taken over by another protocol (a WebSocket upgraded from an HTTP
// server's conn) brings its own limits: these let the new owner apply them
// to the conn the listener accepted.

// SetMaxOutbound replaces the conn's MaxOutbound (from its ConnConfig)
// with n; n <= 0 restores the ConnConfig's. Writes already queued stay;
// the next write is checked against n. Safe for concurrent use.
func (c *Conn) SetMaxOutbound(n int) {
	c.maxOut.Store(int64(max(n, 0)))
}

// maxOutbound is the outbound cap in force.
func (c *Conn) maxOutbound() int {
	if n := c.maxOut.Load(); n > 0 {
		return int(n)
	}
	return c.cfg.MaxOutbound
}

// LeaveListenerCap stops counting the conn against its listener's
// ListenConfig.MaxConns, so that the listener accepts another conn in its
// place: the new owner counts it under a limit of its own. The engine-wide
// limit and MaxConnsPerIP still count it, Listener.Stats().Active still
// shows it and Listener.Close still waits for it. Calling it again, or on
// a dialed conn, does nothing. Loop goroutine.
func (c *Conn) LeaveListenerCap() {
	if c.ln == nil || c.offCap || c.closed {
		return
	}
	c.offCap = true
	c.ln.offCap.Add(1)
}
