package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/netplay-lab/netplay/runtime"
)

// Limits for printing values at the prompt; past them the output says how
// much was left out.
const (
	maxDepth       = 3    // nested tables deeper than this print as table: 0x…
	maxItems       = 30   // entries shown per table
	maxStringInner = 200  // bytes of a string shown inside a table
	maxStringTop   = 4096 // bytes of a string shown as a top-level value
	lineWidth      = 80   // a table that fits prints on one line
)

// ANSI colours used by the shell (only when colour is on).
const (
	colorReset  = "\x1b[0m"
	colorRed    = "\x1b[31m"
	colorGreen  = "\x1b[32m"
	colorYellow = "\x1b[33m"
	colorBlue   = "\x1b[34m"
	colorPurple = "\x1b[35m"
	colorCyan   = "\x1b[36m"
	colorDim    = "\x1b[2m"
	colorBold   = "\x1b[1m"
)

// useColor reports whether output to a terminal may be coloured: not when
// NO_COLOR is set (any value) or TERM is dumb.
func useColor(isTTY bool) bool {
	if !isTTY {
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	return os.Getenv("TERM") != "dumb"
}

func (s *shell) paint(c, text string) string { return paint(s.color, c, text) }

func paint(on bool, c, text string) string {
	if !on || text == "" {
		return text
	}
	return c + text + colorReset
}

// formatValues renders a chunk's return values separated by tabs, as lua
// prints them. It runs on the VM goroutine; it only calls Lua code for a
// userdata's __tostring (protected).
func formatValues(L *lua.LState, vals []lua.LValue, color bool) string {
	f := formatter{L: L, color: color, seen: map[*lua.LTable]bool{}}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = f.value(v, 0, maxStringTop)
	}
	return strings.Join(parts, "\t")
}

type formatter struct {
	L     *lua.LState
	color bool
	seen  map[*lua.LTable]bool // tables on the current path (cycles)
}

func (f *formatter) value(v lua.LValue, depth, maxStr int) string {
	switch v := v.(type) {
	case *lua.LNilType:
		return paint(f.color, colorDim, "nil")
	case lua.LBool:
		return paint(f.color, colorYellow, v.String())
	case lua.LNumber:
		return paint(f.color, colorCyan, v.String())
	case lua.LString:
		return paint(f.color, colorGreen, quoteLua(string(v), maxStr))
	case *lua.LTable:
		return f.table(v, depth)
	case *lua.LUserData:
		return paint(f.color, colorPurple, f.userdata(v))
	case *lua.LFunction:
		return paint(f.color, colorBlue, v.String())
	default:
		return paint(f.color, colorPurple, v.String())
	}
}

// userdata uses the value's __tostring if its metatable has one (netplay's
// conns and servers do), protected so a failing one cannot break printing.
func (f *formatter) userdata(u *lua.LUserData) string {
	mt, ok := f.L.GetMetatable(u).(*lua.LTable)
	if !ok {
		return u.String()
	}
	fn, ok := mt.RawGetString("__tostring").(*lua.LFunction)
	if !ok {
		return u.String()
	}
	f.L.Push(fn)
	f.L.Push(u)
	if err := f.L.PCall(1, 1, nil); err != nil {
		return u.String()
	}
	r := f.L.Get(-1)
	f.L.Pop(1)
	if s, ok := r.(lua.LString); ok {
		return string(s)
	}
	return u.String()
}

type tableEntry struct {
	key  lua.LValue
	text string
}

func (f *formatter) table(t *lua.LTable, depth int) string {
	if f.seen[t] {
		return paint(f.color, colorDim, "<cycle "+t.String()+">")
	}
	if depth >= maxDepth {
		return paint(f.color, colorDim, t.String())
	}
	f.seen[t] = true
	defer delete(f.seen, t)

	var items []string
	n := 0 // the sequence 1..n without holes
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	shown := min(n, maxItems)
	for i := 1; i <= shown; i++ {
		items = append(items, f.value(t.RawGetInt(i), depth+1, maxStringInner))
	}
	var others []tableEntry
	more := n - shown
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if isArrayKey(k, n) {
			continue
		}
		if len(items)+len(others) >= maxItems {
			more++
			continue
		}
		others = append(others, tableEntry{key: k, text: f.key(k, depth) + " = " + f.value(v, depth+1, maxStringInner)})
	}
	sort.SliceStable(others, func(i, j int) bool { return keyLess(others[i].key, others[j].key) })
	for _, e := range others {
		items = append(items, e.text)
	}
	if more > 0 {
		items = append(items, paint(f.color, colorDim, fmt.Sprintf("… (%d more)", more)))
	}
	if len(items) == 0 {
		return "{}"
	}
	one := "{ " + strings.Join(items, ", ") + " }"
	if visibleLen(one)+depth*2 <= lineWidth && !strings.Contains(one, "\n") {
		return one
	}
	indent := strings.Repeat("  ", depth+1)
	return "{\n" + indent + strings.Join(items, ",\n"+indent) + "\n" + strings.Repeat("  ", depth) + "}"
}

func (f *formatter) key(k lua.LValue, depth int) string {
	if s, ok := k.(lua.LString); ok && isIdentifier(string(s)) {
		return string(s)
	}
	return "[" + f.value(k, depth+1, maxStringInner) + "]"
}

func isArrayKey(k lua.LValue, n int) bool {
	num, ok := k.(lua.LNumber)
	if !ok {
		return false
	}
	i := int(num)
	return lua.LNumber(i) == num && i >= 1 && i <= n
}

// keyLess orders keys: strings first (alphabetically), then numbers, then
// everything else by type name.
func keyLess(a, b lua.LValue) bool {
	ra, rb := keyRank(a), keyRank(b)
	if ra != rb {
		return ra < rb
	}
	switch a := a.(type) {
	case lua.LString:
		return a < b.(lua.LString)
	case lua.LNumber:
		return a < b.(lua.LNumber)
	}
	return false
}

func keyRank(v lua.LValue) int {
	switch v.(type) {
	case lua.LString:
		return 0
	case lua.LNumber:
		return 1
	case lua.LBool:
		return 2
	}
	return 3
}

var luaKeywords = []string{
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
	"in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	for _, kw := range luaKeywords {
		if s == kw {
			return false
		}
	}
	return true
}

// quoteLua quotes s as a Lua 5.1 string literal that reads back to the
// same bytes, and cuts it after max bytes with a note of how many were left
// out. Printable ASCII and printable UTF-8 stay as they are; every other
// byte (control bytes, DEL, bytes that are not valid UTF-8, unprintable
// runes) is a three-digit decimal escape such as \255 — Lua 5.1 has no \x
// escapes, and three digits are never ambiguous before a digit.
func quoteLua(s string, max int) string {
	if len(s) <= max {
		return runtime.QuoteLua(s)
	}
	return runtime.QuoteLua(s[:max]) + fmt.Sprintf("…(+%d bytes)", len(s)-max)
}

// visibleLen is the length of s without ANSI colour sequences.
func visibleLen(s string) int {
	n, inEsc := 0, false
	for _, r := range s {
		switch {
		case inEsc:
			if r == 'm' {
				inEsc = false
			}
		case r == '\x1b':
			inEsc = true
		default:
			n++
		}
	}
	return n
}
