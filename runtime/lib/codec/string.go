package codec

import (
	"fmt"
	"unsafe"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// stringFramer is a Go codec whose messages are Lua strings: raw, line,
// delimiter, fixed, length_field and length_prepender.
type stringFramer struct {
	name string
	spec codecs.Spec
	max  int // line and delimiter: max_length, checked on send too
}

func (f *stringFramer) Name() string           { return f.name }
func (f *stringFramer) Splitter() codecs.Codec { return f.spec.New() }
func (f *stringFramer) Owner() host.VM         { return nil }
func (f *stringFramer) Conn(host.VM) ConnFramer {
	return &stringConn{enc: f.spec.New(), max: f.max, name: f.name}
}

// stringConn holds a conn's encoder.
type stringConn struct {
	enc  codecs.Codec
	max  int // 0: no check on send
	name string
}

func (c *stringConn) Decode(_ *lua.LState, frame []byte, out Sink) error {
	out.Push(lua.LString(frame))
	return nil
}

// DecodeString implements StringDecoder: frame is the message as it is.
func (c *stringConn) DecodeString(_ *lua.LState, frame string, out Sink) error {
	out.Push(lua.LString(frame))
	return nil
}

func (c *stringConn) Encode(_ *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	s, ok := msg.(lua.LString)
	if !ok {
		n, isNum := msg.(lua.LNumber)
		if !isNum {
			return nil, fmt.Errorf("string expected, got %s", msg.Type())
		}
		s = lua.LString(n.String())
	}
	if c.max > 0 && len(s) > c.max {
		// a peer framing with the same codec would drop the conn on it
		// without telling this side why: refuse it here, naming the limit
		return nil, fmt.Errorf("%s of %d bytes exceeds max_length %d (a peer using codec.%s{max_length = %d} would close the conn; raise max_length on both sides)",
			c.name, len(s), c.max, c.name, c.max)
	}
	// The codecs' encoders only read msg: alias the Lua string's bytes
	// instead of copying them.
	return c.enc.Encode(dst, unsafe.Slice(unsafe.StringData(string(s)), len(s)))
}

// maxLength is the max_length a line or delimiter codec enforces: the
// codecs' default for 0 or less.
func maxLength(n int) int {
	if n <= 0 {
		return codecs.DefaultMaxLength
	}
	return n
}
