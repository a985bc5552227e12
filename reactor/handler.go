package reactor

// Action tells the loop what to do after a callback returns.
type Action int

const (
	// None keeps the conn as it is.
	None Action = iota
	// Close closes the conn after its queued outbound data is flushed;
	// OnClose receives a nil error.
	Close
	// Shutdown closes the listener the conn belongs to, gracefully; on a
	// dialed conn it acts as Close.
	Shutdown
)

// Handler receives a listener's or a dialed conn's events. Every method
// runs on the conn's loop goroutine (OnBoot and OnShutdown on the
// listener's first loop), never concurrently for one conn. A panic in any
// method is recovered: the conn is closed with a *PanicError and the engine
// keeps running.
//
// The lifecycle of a conn:
//
//	OnBoot(ln)        once per listener, before it accepts
//	OnOpen(c)         once per TCP/Unix conn (and dialed UDP conn)
//	OnTraffic(c)*     inbound bytes (or one UDP datagram) to read with Peek/Next
//	OnWritable(c)*    outbound fell below LowWater after crossing HighWater
//	OnClose(c, err)   exactly once per conn that saw OnOpen
//	OnShutdown(ln)    once per listener, after its conns closed
type Handler interface {
	OnBoot(ln *Listener) Action
	OnOpen(c *Conn) Action
	OnTraffic(c *Conn) Action
	OnWritable(c *Conn) Action
	OnClose(c *Conn, err error)
	OnShutdown(ln *Listener)
}

// ReadEOFHandler is implemented by handlers that want to see a peer's
// half-close. With ListenConfig.HalfClose or DialConfig.HalfClose set, a
// peer EOF calls OnReadEOF instead of closing the conn; the conn stays open
// for writing until it is closed locally (or the peer resets it).
type ReadEOFHandler interface {
	OnReadEOF(c *Conn) Action
}

// BaseHandler implements Handler with no-op methods; embed it and override
// what you need.
type BaseHandler struct{}

// OnBoot returns None.
func (BaseHandler) OnBoot(*Listener) Action { return None }

// OnOpen returns None.
func (BaseHandler) OnOpen(*Conn) Action { return None }

// OnTraffic returns None, leaving the inbound bytes buffered.
func (BaseHandler) OnTraffic(*Conn) Action { return None }

// OnWritable returns None.
func (BaseHandler) OnWritable(*Conn) Action { return None }

// OnClose does nothing.
func (BaseHandler) OnClose(*Conn, error) {}

// OnShutdown does nothing.
func (BaseHandler) OnShutdown(*Listener) {}

var _ Handler = BaseHandler{}
