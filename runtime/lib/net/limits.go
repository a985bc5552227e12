package net

import (
	"fmt"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
)

// defaultFrameTimeout is net.listen's frame_timeout when not given, in
// seconds: a peer that starts a frame and trickles it (or stops) cannot
// hold a conn slot, and its buffer, for longer.
const defaultFrameTimeout = 30

// frameState tracks a frame that has started (bytes the splitter could not
// cut yet) for frame_timeout. Loop goroutine only.
type frameState struct {
	since time.Time // when the unfinished frame started; zero: none
	timer *reactor.Timer
}

// errFrameTimeout closes a conn whose started frame did not finish in time.
type errFrameTimeout time.Duration

func (e errFrameTimeout) Error() string {
	return fmt.Sprintf("frame_timeout: a frame was not complete %v after its first byte (frame_timeout = %v s)", time.Duration(e), time.Duration(e).Seconds())
}

// framePending records whether an unfinished frame waits in c's buffer
// after a read and arms the frame_timeout timer for it. Loop goroutine.
func (st *connState) framePending(c *reactor.Conn, pending bool) {
	d := st.h.frameTimeout
	if d <= 0 {
		return
	}
	if !pending {
		st.frame.since = time.Time{} // the timer, if armed, finds nothing pending
		return
	}
	if !st.frame.since.IsZero() || strings.HasPrefix(c.Network(), "udp") {
		return
	}
	st.frame.since = time.Now()
	if st.frame.timer == nil {
		st.armFrameTimer(c, d)
	}
}

func (st *connState) armFrameTimer(c *reactor.Conn, after time.Duration) {
	st.frame.timer = c.Loop().AfterFunc(after, func() {
		st.frame.timer = nil
		if st.frame.since.IsZero() {
			return
		}
		d := st.h.frameTimeout
		if age := time.Since(st.frame.since); age < d {
			st.armFrameTimer(c, d-age)
			return
		}
		c.CloseWithError(errFrameTimeout(d))
	})
}

// frameError closes c after its splitter failed. A codec that answers bad
// input (RESP: "-ERR Protocol error: …" as Redis does) has its reply
// written after the replies to the frames before the bad one, and the
// conn closes once it is flushed; on_close still gets the frame error.
// Loop goroutine.
func (st *connState) frameError(c *reactor.Conn, ferr error) {
	if r, ok := st.split.(codec.ErrorReplier); ok {
		if reply := r.ErrorReply(ferr); reply != nil {
			c.Pause() // nothing after a bad frame is read
			st.run(c, func() {
				if st.lc != nil {
					st.lc.farewell(reply, ferr)
				} else {
					c.CloseWithError(ferr)
				}
			})
			return
		}
	}
	c.CloseWithError(ferr)
}

// farewell closes the conn like a peer's half-close does (once the
// messages before it are handled and answered), writing reply last.
// VM goroutine.
func (lc *luaConn) farewell(reply []byte, err error) {
	lc.closeErr = err.Error()
	lc.bye = reply
	lc.eof = true
	lc.maybeFinishClose()
}

// stopFrameTimer stops the frame_timeout timer of a closed conn. Loop
// goroutine.
func (st *connState) stopFrameTimer() {
	if st.frame.timer != nil {
		st.frame.timer.Stop()
		st.frame.timer = nil
	}
}
