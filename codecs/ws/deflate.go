package ws

import (
	"bytes"
	"compress/flate"
	"io"
	"sync"
)

// DeflateParams are the permessage-deflate parameters (RFC 7692) both sides
// agreed on in the handshake. The zero value is the extension with context
// takeover on both sides and 32 KiB windows.
type DeflateParams struct {
	// ServerNoContextTakeover: the server compresses each message alone.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: the client compresses each message alone.
	ClientNoContextTakeover bool
	// ServerMaxWindowBits is the server compressor's window (8-15); 0
	// means 15. netplay compresses with a 32 KiB window, so as a server it
	// declines offers below 15.
	ServerMaxWindowBits int
	// ClientMaxWindowBits is the client compressor's window (8-15), 0
	// meaning 15; netplay's decompressor reads any window.
	ClientMaxWindowBits int
}

const (
	deflateWindow = 32 << 10
	deflateLevel  = flate.BestSpeed
)

// deflateState is one conn's compressor and decompressor. Both are created
// on first use; without context takeover they come from pools and go back
// after each message, so an idle conn holds none.
type deflateState struct {
	keepOut bool // our compressor keeps its context between messages
	keepIn  bool // the peer's does, so our decompressor keeps a dictionary

	w    *flate.Writer
	wout appender
	zbuf []byte // compressed output of the last deflate

	r    io.ReadCloser
	src  twoReader
	dict []byte // last 32 KiB of decompressed data (context takeover)
	out  []byte // decompressed output of the last inflate
}

func newDeflateState(role Role, p DeflateParams) *deflateState {
	if role == Server {
		return &deflateState{keepOut: !p.ServerNoContextTakeover, keepIn: !p.ClientNoContextTakeover}
	}
	return &deflateState{keepOut: !p.ClientNoContextTakeover, keepIn: !p.ServerNoContextTakeover}
}

var writerPool sync.Pool // *flate.Writer for conns without context takeover

// deflate compresses p as one message: a sync flush whose final
// 00 00 ff ff is dropped (RFC 7692 section 7.2.1). The result is valid until
// the next call.
func (d *deflateState) deflate(p []byte) []byte {
	d.wout.b = d.zbuf[:0]
	if d.w == nil && !d.keepOut {
		if w, ok := writerPool.Get().(*flate.Writer); ok {
			d.w = w
			d.w.Reset(&d.wout)
		}
	}
	if d.w == nil {
		d.w, _ = flate.NewWriter(&d.wout, deflateLevel) // the level is valid
	}
	_, _ = d.w.Write(p) // writes to an appender cannot fail
	_ = d.w.Flush()
	out := d.wout.b
	out = bytes.TrimSuffix(out, []byte{0, 0, 0xff, 0xff})
	if !d.keepOut {
		writerPool.Put(d.w)
		d.w = nil
	}
	if cap(out) > maxKeptBuffer {
		d.zbuf = nil
	} else {
		d.zbuf = out
	}
	return out
}

// inflateTail ends a message's deflate stream: the sync flush marker the
// sender dropped, then an empty final stored block so the reader stops
// cleanly at the end of the message.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// inflate decompresses one message's payload, failing with 1009 as soon as
// the output passes max (a small frame may inflate to gigabytes) and with
// 1007 on data that is not deflate. The result is valid until the next call.
func (d *deflateState) inflate(p []byte, max int64) ([]byte, error) {
	d.src = twoReader{a: p, b: inflateTail}
	var dict []byte
	if d.keepIn {
		dict = d.dict
	}
	if d.r == nil {
		d.r = flate.NewReaderDict(&d.src, dict)
	} else if err := d.r.(flate.Resetter).Reset(&d.src, dict); err != nil {
		return nil, invalidPayload("inflate: %v", err)
	}
	out := d.out[:0]
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		k, err := d.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+k]
		if int64(len(out)) > max {
			d.out = nil
			return nil, tooBig(int64(len(out)), max)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, invalidPayload("compressed data: %v", err)
		}
	}
	if d.keepIn {
		d.dict = appendWindow(d.dict, out)
	}
	if cap(out) > maxKeptBuffer {
		d.out = nil
	} else {
		d.out = out
	}
	return out, nil
}

// appendWindow keeps the last 32 KiB of the stream in w.
func appendWindow(w, p []byte) []byte {
	if len(p) >= deflateWindow {
		return append(w[:0], p[len(p)-deflateWindow:]...)
	}
	if over := len(w) + len(p) - deflateWindow; over > 0 {
		w = append(w[:0], w[over:]...)
	}
	return append(w, p...)
}

// appender is an io.Writer that appends to b.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// twoReader reads a, then b, without copying them together.
type twoReader struct{ a, b []byte }

func (r *twoReader) Read(p []byte) (int, error) {
	if len(r.a) == 0 {
		r.a, r.b = r.b, nil
		if len(r.a) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, r.a)
	r.a = r.a[n:]
	return n, nil
}

// ReadByte lets flate read byte by byte without wrapping r in a bufio.Reader
// (which would read past the end of the message).
func (r *twoReader) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := r.Read(b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}
