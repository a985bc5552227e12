package bin

import (
	_ "embed"
	"encoding/binary"
	"math"
	"strings"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the bin Lua module.
var Module = host.NewModule(docMD, host.All, func(v host.VM) *lua.LTable {
	L := v.L()
	mem := memwatch.Of(v.Shared)
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"pack":   func(L *lua.LState) int { return binPack(L, mem) },
		"unpack": binUnpack,
		"size":   binSize,
	})
})

type binKind int

const (
	kInt binKind = iota
	kUint
	kFloat
	kDouble
	kChar
	kString
	kZstr
	kPadding
	kPaddAlign
	kNop
)

const binNativeAlign = 8

// binFormat walks a pack format string (Lua 5.3 lstrlib.c semantics).
type binFormat struct {
	L        *lua.LState
	fmt      string
	i        int
	little   bool
	maxAlign int
}

func newBinFormat(L *lua.LState, f string) *binFormat {
	return &binFormat{L: L, fmt: f, little: nativeLittle(), maxAlign: 1}
}

func nativeLittle() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 1
}

func (f *binFormat) done() bool { return f.i >= len(f.fmt) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// num reads an optional decimal size; def if absent.
func (f *binFormat) num(def int) int {
	if f.done() || !isDigit(f.fmt[f.i]) {
		return def
	}
	n := 0
	for !f.done() && isDigit(f.fmt[f.i]) && n < 1e6 {
		n = n*10 + int(f.fmt[f.i]-'0')
		f.i++
	}
	return n
}

func (f *binFormat) numLimit(def int) int {
	n := f.num(def)
	if n > 16 || n <= 0 {
		f.L.ArgError(1, "integral size ("+itoa(n)+") out of limits [1,16]")
	}
	return n
}

func itoa(n int) string { return luautil.FmtNumber(float64(n)) }

// option reads one option and its size.
func (f *binFormat) option() (binKind, int) {
	c := f.fmt[f.i]
	f.i++
	switch c {
	case 'b':
		return kInt, 1
	case 'B':
		return kUint, 1
	case 'h':
		return kInt, 2
	case 'H':
		return kUint, 2
	case 'l', 'j':
		return kInt, 8
	case 'L', 'J', 'T':
		return kUint, 8
	case 'f':
		return kFloat, 4
	case 'd', 'n':
		return kDouble, 8
	case 'i':
		return kInt, f.numLimit(4)
	case 'I':
		return kUint, f.numLimit(4)
	case 's':
		return kString, f.numLimit(8)
	case 'c':
		n := f.num(-1)
		if n == -1 {
			f.L.ArgError(1, "missing size for format option 'c'")
		}
		return kChar, n
	case 'z':
		return kZstr, 0
	case 'x':
		return kPadding, 1
	case 'X':
		return kPaddAlign, 0
	case ' ':
	case '<':
		f.little = true
	case '>':
		f.little = false
	case '=':
		f.little = nativeLittle()
	case '!':
		f.maxAlign = f.numLimit(binNativeAlign)
	default:
		f.L.ArgError(1, "invalid format option '"+string(c)+"'")
	}
	return kNop, 0
}

// details reads the next option and the padding it needs at offset total.
func (f *binFormat) details(total int) (kind binKind, size, pad int) {
	kind, size = f.option()
	align := size
	if kind == kPaddAlign {
		if f.done() {
			f.L.ArgError(1, "invalid next option for option 'X'")
		}
		var k binKind
		k, align = f.option()
		if k == kChar || align == 0 {
			f.L.ArgError(1, "invalid next option for option 'X'")
		}
	}
	if align <= 1 || kind == kChar {
		return kind, size, 0
	}
	if align > f.maxAlign {
		align = f.maxAlign
	}
	if align&(align-1) != 0 {
		f.L.ArgError(1, "format asks for alignment not power of 2")
	}
	return kind, size, (align - (total & (align - 1))) & (align - 1)
}

// checkInteger reads argument n as an integer (int64 bits; values in
// [2^63, 2^64) wrap like Lua 5.3's unsigned conversions).
func checkInteger(L *lua.LState, n int) int64 {
	f := float64(L.CheckNumber(n))
	if f != math.Trunc(f) || math.IsInf(f, 0) {
		L.ArgError(n, "number has no integer representation")
	}
	if f >= 9223372036854775808.0 && f < 18446744073709551616.0 {
		return int64(uint64(f))
	}
	if f < -9223372036854775808.0 || f >= 9223372036854775808.0 {
		L.ArgError(n, "number has no integer representation")
	}
	return int64(f)
}

func putInt(buf []byte, v uint64, little bool, size int, neg bool) []byte {
	out := make([]byte, size)
	for i := 0; i < size; i++ {
		var b byte
		if i < 8 {
			b = byte(v >> (8 * i))
		} else if neg {
			b = 0xff
		}
		if little {
			out[i] = b
		} else {
			out[size-1-i] = b
		}
	}
	return append(buf, out...)
}

// binPack is bin.pack. It asks mem for its result first: a format of a few
// bytes can ask for megabytes ("c999999" a thousand times).
func binPack(L *lua.LState, mem *memwatch.Watchdog) int {
	f := newBinFormat(L, L.CheckString(1))
	arg := 1
	size := packSize(L, f.fmt)
	mem.Check(L, "bin.pack", size)
	buf := make([]byte, 0, min(size, 1<<20))
	for !f.done() {
		kind, size, pad := f.details(len(buf))
		for ; pad > 0; pad-- {
			buf = append(buf, 0)
		}
		switch kind {
		case kInt, kUint:
			arg++
			v := checkInteger(L, arg)
			if size < 8 {
				if kind == kInt {
					lim := int64(1) << (size*8 - 1)
					if v < -lim || v >= lim {
						L.ArgError(arg, "integer overflow")
					}
				} else if uint64(v) >= uint64(1)<<(size*8) {
					L.ArgError(arg, "unsigned overflow")
				}
			}
			buf = putInt(buf, uint64(v), f.little, size, v < 0)
		case kFloat:
			arg++
			bits := math.Float32bits(float32(L.CheckNumber(arg)))
			buf = putInt(buf, uint64(bits), f.little, 4, false)
		case kDouble:
			arg++
			bits := math.Float64bits(float64(L.CheckNumber(arg)))
			buf = putInt(buf, bits, f.little, 8, false)
		case kChar:
			arg++
			s := L.CheckString(arg)
			if len(s) > size {
				L.ArgError(arg, "string longer than given size")
			}
			buf = append(buf, s...)
			for i := len(s); i < size; i++ {
				buf = append(buf, 0)
			}
		case kString:
			arg++
			s := L.CheckString(arg)
			if size < 8 && uint64(len(s)) >= uint64(1)<<(size*8) {
				L.ArgError(arg, "string length does not fit in given size")
			}
			buf = putInt(buf, uint64(len(s)), f.little, size, false)
			buf = append(buf, s...)
		case kZstr:
			arg++
			s := L.CheckString(arg)
			if strings.IndexByte(s, 0) >= 0 {
				L.ArgError(arg, "string contains zeros")
			}
			buf = append(buf, s...)
			buf = append(buf, 0)
		case kPadding:
			buf = append(buf, 0)
		}
	}
	L.Push(lua.LString(buf))
	return 1
}

// packSize bounds bin.pack(format, …)'s result from above: 16 bytes of
// value and alignment per format byte, every size written in the format
// ("c999999") and every string argument.
func packSize(L *lua.LState, format string) int64 {
	n := 16 * int64(len(format))
	for i := 0; i < len(format); i++ {
		num := int64(0)
		for ; i < len(format) && isDigit(format[i]); i++ {
			num = min(num*10+int64(format[i]-'0'), 1<<40)
		}
		n += num
	}
	for i := 2; i <= L.GetTop(); i++ {
		if s, ok := L.Get(i).(lua.LString); ok {
			n += int64(len(s))
		}
	}
	return n
}

func getInt(b []byte, little bool, size int, signed bool) (uint64, bool) {
	var v uint64
	limit := size
	if limit > 8 {
		limit = 8
	}
	at := func(i int) byte { // i-th least significant byte
		if little {
			return b[i]
		}
		return b[size-1-i]
	}
	for i := limit - 1; i >= 0; i-- {
		v = v<<8 | uint64(at(i))
	}
	if size < 8 {
		if signed {
			shift := uint(64 - size*8)
			v = uint64(int64(v<<shift) >> shift)
		}
		return v, true
	}
	if size > 8 {
		var mask byte
		if signed && int64(v) < 0 {
			mask = 0xff
		}
		for i := 8; i < size; i++ {
			if at(i) != mask {
				return 0, false
			}
		}
	}
	return v, true
}

func binUnpack(L *lua.LState) int {
	f := newBinFormat(L, L.CheckString(1))
	data := L.CheckString(2)
	pos := int(L.OptNumber(3, 1))
	if pos < 0 {
		pos = len(data) + pos + 1
	}
	pos--
	if pos < 0 || pos > len(data) {
		L.ArgError(3, "initial position out of string")
	}
	n := 0
	for !f.done() {
		kind, size, pad := f.details(pos)
		if pad+size > len(data)-pos {
			L.ArgError(2, "data string too short")
		}
		pos += pad
		switch kind {
		case kInt, kUint:
			v, ok := getInt([]byte(data[pos:pos+size]), f.little, size, kind == kInt)
			if !ok {
				L.RaiseError("%d-byte integer does not fit into Lua Integer", size)
			}
			if kind == kInt {
				L.Push(lua.LNumber(float64(int64(v))))
			} else {
				L.Push(lua.LNumber(float64(v)))
			}
			n++
		case kFloat:
			v, _ := getInt([]byte(data[pos:pos+4]), f.little, 4, false)
			L.Push(lua.LNumber(math.Float32frombits(uint32(v))))
			n++
		case kDouble:
			v, _ := getInt([]byte(data[pos:pos+8]), f.little, 8, false)
			L.Push(lua.LNumber(math.Float64frombits(v)))
			n++
		case kChar:
			L.Push(lua.LString(data[pos : pos+size]))
			n++
		case kString:
			ln, _ := getInt([]byte(data[pos:pos+size]), f.little, size, false)
			if ln > uint64(len(data)-pos-size) {
				L.ArgError(2, "data string too short")
			}
			L.Push(lua.LString(data[pos+size : pos+size+int(ln)]))
			pos += int(ln)
			n++
		case kZstr:
			end := strings.IndexByte(data[pos:], 0)
			if end < 0 {
				L.ArgError(2, "unfinished string for format 'z'")
			}
			L.Push(lua.LString(data[pos : pos+end]))
			pos += end + 1
			n++
		}
		pos += size
	}
	L.Push(lua.LNumber(pos + 1))
	return n + 1
}

func binSize(L *lua.LState) int {
	f := newBinFormat(L, L.CheckString(1))
	total := 0
	for !f.done() {
		kind, size, pad := f.details(total)
		if kind == kString || kind == kZstr {
			L.ArgError(1, "variable-length format")
		}
		total += pad + size
	}
	L.Push(lua.LNumber(total))
	return 1
}
