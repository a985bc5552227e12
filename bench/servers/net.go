package servers

import (
	"errors"
	"net"
)

// DefaultNetBuffer is the per-connection buffer of NetEcho when bufSize is
// zero: bufio's default size, allocated when the connection's goroutine
// starts and reused for every read.
const DefaultNetBuffer = 4096

// NetEcho serves ln with Go's net package, one goroutine per connection: each
// goroutine reads into its own buffer of bufSize bytes (0 means
// DefaultNetBuffer) and writes what it read back, like io.Copy with a reused
// buffer. NetEcho returns when ln is closed; it returns nil then, or the
// accept error otherwise. Connections still open keep being served.
func NetEcho(ln net.Listener, bufSize int) error {
	if bufSize <= 0 {
		bufSize = DefaultNetBuffer
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go echoConn(c, bufSize)
	}
}

func echoConn(c net.Conn, bufSize int) {
	defer c.Close()
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
