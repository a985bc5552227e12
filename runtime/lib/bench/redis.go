package bench

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/netplay-lab/netplay/codecs"
)

// redisProto sends RESP commands and checks each reply: SET wants +OK, GET
// the value this conn last SET, PING +PONG. Each conn has its own key, so
// pipelined replies can be checked without knowing other conns' writes.
type redisProto struct {
	pat    []byte
	size   int
	cmd    string // mix, set, get, ping
	key    []byte
	dec    codecs.Codec
	expect []byte // scratch for the expected GET reply
}

var respOK, respPong = []byte("+OK\r\n"), []byte("+PONG\r\n")

func newRedisProto(pat []byte, size int, cmd string, id int) *redisProto {
	return &redisProto{
		pat: pat, size: size, cmd: cmd,
		key: strconv.AppendInt([]byte("netplay:bench:"), int64(id), 10),
		dec: codecs.RESP(codecs.RESPOptions{}).New(),
	}
}

// op is what request seq does: 's' SET, 'g' GET, 'p' PING.
func (p *redisProto) op(seq uint64) byte {
	switch p.cmd {
	case "set":
		return 's'
	case "get":
		return 'g'
	case "ping":
		return 'p'
	}
	return "sgp"[seq%3]
}

// hello SETs the key once for a GET-only run, so every GET has a value.
func (p *redisProto) hello() []byte {
	if p.cmd != "get" {
		return nil
	}
	return p.set(nil, 0)
}

func (p *redisProto) helloReply(in []byte) (int, bool, error) {
	frame, n, err := p.dec.Decode(in)
	if err != nil {
		return 0, false, err
	}
	if frame == nil {
		return 0, false, nil
	}
	if !bytes.Equal(frame, respOK) {
		return n, false, errors.New("SET before GETs was answered " + strconv.Quote(string(frame)))
	}
	return n, true, nil
}

func (p *redisProto) set(dst []byte, seq uint64) []byte {
	dst = codecs.AppendRESPArrayHeader(dst, 3)
	dst = codecs.AppendRESPBulk(dst, "SET")
	dst = codecs.AppendRESPBulk(dst, p.key)
	return codecs.AppendRESPBulk(dst, payload(p.pat, p.size, seq))
}

func (p *redisProto) request(dst []byte, seq uint64) []byte {
	switch p.op(seq) {
	case 's':
		return p.set(dst, seq)
	case 'g':
		dst = codecs.AppendRESPArrayHeader(dst, 2)
		dst = codecs.AppendRESPBulk(dst, "GET")
		return codecs.AppendRESPBulk(dst, p.key)
	}
	dst = codecs.AppendRESPArrayHeader(dst, 1)
	return codecs.AppendRESPBulk(dst, "PING")
}

func (p *redisProto) reply(in []byte, seq uint64, _ *[]byte) reply {
	frame, n, err := p.dec.Decode(in)
	if err != nil {
		return reply{n: len(in), kind: "protocol", fatal: true}
	}
	if frame == nil {
		return reply{n: n, skip: n > 0}
	}
	if frame[0] == '-' {
		return reply{n: n, kind: "redis_error"}
	}
	var want []byte
	switch p.op(seq) {
	case 's':
		want = respOK
	case 'p':
		want = respPong
	default:
		// mix: the SET just before this GET; get: hello's SET of seq 0.
		setSeq := uint64(0)
		if p.cmd == "mix" {
			setSeq = seq - 1
		}
		p.expect = codecs.AppendRESPBulk(p.expect[:0], payload(p.pat, p.size, setSeq))
		want = p.expect
	}
	if !bytes.Equal(frame, want) {
		return reply{n: n, kind: "mismatch"}
	}
	return reply{n: n}
}
