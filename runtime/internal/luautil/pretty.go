package luautil

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// Pretty limits: deeper tables print as "{…}", longer ones are cut with a
// note, so pp of a huge or deep value stays readable and bounded.
const (
	prettyDepth   = 16
	prettyEntries = 1000
)

// Pretty renders v for pp(v): strings as Lua literals that read back to the
// same bytes, tables nested with their keys sorted (array part first, in
// order), a table met again on the way down as "<cycle>", other values by
// tostring (conns, servers and timers show their live state).
func Pretty(L *lua.LState, v lua.LValue) string {
	var b strings.Builder
	p := prettyPrinter{L: L, b: &b, seen: map[*lua.LTable]bool{}}
	p.value(v, 0)
	return b.String()
}

type prettyPrinter struct {
	L    *lua.LState
	b    *strings.Builder
	seen map[*lua.LTable]bool // tables on the current path
}

func (p *prettyPrinter) value(v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LString:
		p.b.WriteString(QuoteLua(string(x)))
	case *lua.LTable:
		p.table(x, depth)
	default:
		p.b.WriteString(ToString(p.L, v))
	}
}

func (p *prettyPrinter) table(t *lua.LTable, depth int) {
	if p.seen[t] {
		p.b.WriteString("<cycle>")
		return
	}
	if depth >= prettyDepth {
		p.b.WriteString("{…}")
		return
	}
	if _, ok := p.L.GetMetaField(t, "__tostring").(*lua.LFunction); ok {
		p.b.WriteString(ToString(p.L, t))
		return
	}
	p.seen[t] = true
	defer delete(p.seen, t)
	n := 0 // the sequence 1..n without holes (Len may count a hole)
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	var keys []lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		if f, ok := k.(lua.LNumber); ok && float64(f) >= 1 && float64(f) <= float64(n) && float64(f) == float64(int(f)) {
			return
		}
		keys = append(keys, k)
	})
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	if n == 0 && len(keys) == 0 {
		p.b.WriteString("{}")
		return
	}
	indent := strings.Repeat("  ", depth+1)
	p.b.WriteString("{\n")
	count := 0
	for i := 1; i <= n; i++ {
		if count++; count > prettyEntries {
			break
		}
		p.b.WriteString(indent)
		p.value(t.RawGetInt(i), depth+1)
		p.b.WriteString(",\n")
	}
	for _, k := range keys {
		if count++; count > prettyEntries {
			break
		}
		p.b.WriteString(indent)
		if s, ok := k.(lua.LString); ok && isName(string(s)) {
			p.b.WriteString(string(s))
		} else {
			p.b.WriteByte('[')
			p.value(k, depth+1)
			p.b.WriteByte(']')
		}
		p.b.WriteString(" = ")
		p.value(t.RawGet(k), depth+1)
		p.b.WriteString(",\n")
	}
	if count > prettyEntries {
		fmt.Fprintf(p.b, "%s… (%d entries)\n", indent, n+len(keys))
	}
	p.b.WriteString(strings.Repeat("  ", depth))
	p.b.WriteByte('}')
}

// keyLess orders keys: numbers first by value, then strings, then the rest
// by their text.
func keyLess(a, b lua.LValue) bool {
	an, aNum := a.(lua.LNumber)
	bn, bNum := b.(lua.LNumber)
	switch {
	case aNum && bNum:
		return an < bn
	case aNum != bNum:
		return aNum
	}
	as, aStr := a.(lua.LString)
	bs, bStr := b.(lua.LString)
	switch {
	case aStr && bStr:
		return as < bs
	case aStr != bStr:
		return aStr
	}
	return a.String() < b.String()
}

// luaKeywords cannot be written as bare keys.
var luaKeywords = map[string]bool{"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "if": true, "in": true, "local": true, "nil": true, "not": true,
	"or": true, "repeat": true, "return": true, "then": true, "true": true, "until": true, "while": true}

func isName(s string) bool {
	if s == "" || luaKeywords[s] {
		return false
	}
	for i, c := range s {
		if c != '_' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// QuoteLua quotes s as a Lua 5.1 string literal that reads back to the
// same bytes: printable ASCII and printable UTF-8 stay, every other byte
// is a three-digit decimal escape (\255; Lua 5.1 has no \x).
func QuoteLua(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && unicode.IsPrint(r) {
				b.WriteString(s[i : i+size])
			} else {
				for _, c := range []byte(s[i : i+size]) {
					fmt.Fprintf(&b, `\%03d`, c)
				}
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03d`, c)
		default:
			b.WriteByte(c)
		}
		i++
	}
	b.WriteByte('"')
	return b.String()
}
