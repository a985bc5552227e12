package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// raw is the one codec.raw(): framers keep no state of their own.
var raw Framer = &stringFramer{name: "raw", spec: codecs.Raw()}

// Raw is the default framer: every read is one message.
func Raw() Framer { return raw }

var rawKind = Kind{
	Doc: doc.Func("raw"),
	New: func(*lua.LState, host.VM) Framer { return raw },
}
