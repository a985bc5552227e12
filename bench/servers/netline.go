package servers

import (
	"bufio"
	"errors"
	"net"
)

// NetLineEcho serves ln with Go's net package, one goroutine per connection,
// echoing '\n'-terminated lines as a Go programmer writes it in ten lines:
// bufio.Reader.ReadSlice for framing, a bufio.Writer flushed only when no
// more input is buffered (so a pipelined batch goes back in one write).
// Lines longer than bufio's buffer end the connection. NetLineEcho returns
// when ln is closed (nil) or on another accept error.
func NetLineEcho(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go lineConn(c)
	}
}

func lineConn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if _, err := w.Write(line); err != nil {
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}
