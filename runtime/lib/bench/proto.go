package bench

import (
	"bytes"
	"math/rand"
)

// reply is what a proto found at the head of the inbound bytes.
type reply struct {
	n     int    // bytes consumed; 0 with kind == "" means "need more"
	kind  string // "" for a good reply, else the error kind it counts as
	skip  bool   // consumed bytes that answer no request (a ws ping)
	fatal bool   // the stream cannot be trusted any more: close the conn
}

// proto is one workload's wire format, one value per conn (it may keep
// per-conn state such as a ws mask or a redis key). Its methods run on the
// conn's loop only.
type proto interface {
	// hello returns what to send once connected before any request (nil:
	// nothing, the conn is ready at once).
	hello() []byte
	// helloReply parses the answer to hello: done once it is complete.
	helloReply(in []byte) (n int, done bool, err error)
	// request appends request number seq to dst.
	request(dst []byte, seq uint64) []byte
	// reply parses the reply to request seq at the head of in; out gathers
	// anything to send back at once (a ws pong).
	reply(in []byte, seq uint64, out *[]byte) reply
}

// patMod staggers where each request's payload starts in the pattern, so
// a reply that belongs to another request, or is shifted, does not match.
const patMod = 251

// pattern is the read-only payload source of a run: size+patMod bytes,
// printable (line, ws, redis) or any byte value (echo).
func pattern(size int, printable bool) []byte {
	r := rand.New(rand.NewSource(1))
	p := make([]byte, size+patMod)
	for i := range p {
		if printable {
			p[i] = byte('!' + r.Intn('~'-'!'+1)) // never '\n' or '\r'
		} else {
			p[i] = byte(r.Intn(256))
		}
	}
	return p
}

// payload is request seq's payload.
func payload(pat []byte, size int, seq uint64) []byte {
	off := int(seq % patMod)
	return pat[off : off+size]
}

// newProto makes a conn's proto for the run.
func (r *runner) newProto(id int) proto {
	switch r.cfg.Mode {
	case "line":
		return &lineProto{pat: r.pat, size: r.cfg.Size, verify: !r.cfg.NoVerify}
	case "redis":
		return newRedisProto(r.pat, r.cfg.Size, r.cfg.Command, id)
	case "http":
		return newHTTPProto(r.tgt)
	case "ws":
		return newWSProto(r.tgt, r.pat, r.cfg.Size, !r.cfg.NoVerify)
	}
	return &echoProto{pat: r.pat, size: r.cfg.Size, verify: !r.cfg.NoVerify}
}

// echoProto sends size raw bytes and wants the same bytes back.
type echoProto struct {
	pat    []byte
	size   int
	verify bool
}

func (*echoProto) hello() []byte                        { return nil }
func (*echoProto) helloReply([]byte) (int, bool, error) { return 0, true, nil }

func (p *echoProto) request(dst []byte, seq uint64) []byte {
	return append(dst, payload(p.pat, p.size, seq)...)
}

func (p *echoProto) reply(in []byte, seq uint64, _ *[]byte) reply {
	if len(in) < p.size {
		return reply{}
	}
	if p.verify && !bytes.Equal(in[:p.size], payload(p.pat, p.size, seq)) {
		return reply{n: p.size, kind: "mismatch"}
	}
	return reply{n: p.size}
}

// lineProto sends size-byte lines (the last byte '\n') and wants a line
// back: the same line unless verify is off.
type lineProto struct {
	pat    []byte
	size   int
	verify bool
}

func (*lineProto) hello() []byte                        { return nil }
func (*lineProto) helloReply([]byte) (int, bool, error) { return 0, true, nil }

func (p *lineProto) request(dst []byte, seq uint64) []byte {
	dst = append(dst, payload(p.pat, p.size-1, seq)...)
	return append(dst, '\n')
}

// maxLine bounds a reply line that has no '\n' yet.
const maxLine = 1 << 20

func (p *lineProto) reply(in []byte, seq uint64, _ *[]byte) reply {
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		if len(in) > maxLine+p.size {
			return reply{n: len(in), kind: "protocol", fatal: true}
		}
		return reply{}
	}
	if p.verify && (i != p.size-1 || !bytes.Equal(in[:i], payload(p.pat, p.size-1, seq))) {
		return reply{n: i + 1, kind: "mismatch"}
	}
	return reply{n: i + 1}
}
