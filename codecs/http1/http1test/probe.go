package http1test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"time"
)

// Result is what a server answered a probe with.
type Result struct {
	Status int    // the first response's status code; 0 when none came
	Head   string // the first response's head, up to its empty line
	Closed bool   // the server closed the conn (EOF or reset) within the deadline
	Raw    []byte // every byte read
}

// Probe dials addr (a loopback "host:port"), writes in, and reads until the
// server closes the conn or timeout passes. The write runs beside the read,
// so a server that answers early (413 on a huge body) and closes is seen
// as it is; write errors after that are ignored.
func Probe(addr, in string, timeout time.Duration) (Result, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	deadline := time.Now().Add(timeout)
	c.SetDeadline(deadline)
	go func() { io.WriteString(c, in) }()
	var res Result
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		res.Raw = append(res.Raw, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			res.Closed = true // EOF, or a reset after the server closed with unread input
			break
		}
	}
	if i := bytes.Index(res.Raw, []byte("\r\n\r\n")); i >= 0 {
		res.Head = string(res.Raw[:i+4])
	}
	if len(res.Raw) >= 12 && bytes.HasPrefix(res.Raw, []byte("HTTP/1.")) {
		res.Status, _ = strconv.Atoi(string(res.Raw[9:12]))
	}
	return res, nil
}

// Responses counts the status lines in raw (a crude count of responses,
// for pipelining tests whose bodies hold no "HTTP/1.1 ").
func Responses(raw []byte) int { return bytes.Count(raw, []byte("HTTP/1.1 ")) }
