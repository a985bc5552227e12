// Package codec is the codec Lua module and the framer interface between
// netplay's codecs and Lua. A codec value (codec.line{…}) is a Framer: on
// the conn's loop it cuts frames out of the bytes read (a codecs.Codec),
// and on the VM that owns the conn it turns each frame into a Lua value and
// each Lua value given to c:send into bytes. The conn binding
// (runtime/lib/net) knows only this interface; every codec kind lives in a
// file of its own and is listed once in Builtin (or, for a kind from
// another package such as HTTP, in runtime/modules.go).
package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// ErrorReplier is implemented by a splitter (what Framer.Splitter
// returns) whose protocol answers bad input before the conn closes:
// ErrorReply returns the bytes to write for a frame error, or nil.
type ErrorReplier interface {
	ErrorReply(err error) []byte
}

// Framer is one codec value: the framing of a conn, chosen in Lua.
// Framers are immutable once made; per-conn state lives in what Splitter
// and Conn return.
type Framer interface {
	// Name is the kind's name ("line"); tostring(c) is "codec.<name>".
	Name() string
	// Splitter returns a new per-conn splitter that cuts whole frames out
	// of the bytes read, run on the conn's loop goroutine; nil when the
	// framer wants the bytes as they come (codec.custom frames in Lua).
	Splitter() codecs.Codec
	// Conn returns the per-conn state that maps frames to Lua values and
	// back on v, the VM that owns the conn.
	Conn(v host.VM) ConnFramer
	// Owner is the VM whose Lua functions the framer calls (codec.custom),
	// or nil when any VM may use it.
	Owner() host.VM
}

// ConnFramer maps one conn's frames to Lua values and back, on the VM that
// owns the conn.
type ConnFramer interface {
	// Decode turns frame (one splitter frame, or the bytes just read when
	// the framer has no splitter) into messages given to out, usually one.
	// frame is only valid during the call. An error closes the conn.
	Decode(L *lua.LState, frame []byte, out Sink) error
	// Encode appends msg's bytes to dst (c:send).
	Encode(L *lua.LState, dst []byte, msg lua.LValue) ([]byte, error)
}

// StringDecoder is a ConnFramer that can decode a frame given as a Go
// string. When one read (or one queued batch) carries several frames, the
// conn core copies their span into one string once and hands each frame as
// a substring of it: one copy and allocation per batch instead of one per
// frame. A message that keeps a substring keeps the batch's string alive
// (at most one read, 64 KiB by default, or one queued batch). Frame-based
// framers of other packages (HTTP, WebSocket) implement it the same way.
type StringDecoder interface {
	// DecodeString is Decode for a frame given as a string (which, unlike
	// Decode's slice, stays valid after the call).
	DecodeString(L *lua.LState, frame string, out Sink) error
}

// Sink receives decoded messages: on_message or c:receive gets them in order.
type Sink interface {
	Push(msg lua.LValue)
}

// Kind is one codec constructor of the codec module: codec.<Doc.Name>(…).
type Kind struct {
	Doc host.FuncDoc
	// New makes a framer from the constructor's arguments on L's stack; it
	// raises a Lua error for bad ones.
	New func(L *lua.LState, v host.VM) Framer
}

// Builtin lists the codec kinds of this package, in the order docs show
// them. A new kind is a file with its Kind and one line here.
func Builtin() []Kind {
	return []Kind{
		rawKind,
		lineKind,
		delimiterKind,
		fixedKind,
		lengthFieldKind,
		lengthPrependerKind,
		respKind,
		customKind,
	}
}
