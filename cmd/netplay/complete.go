package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxIndexChain bounds how many metatable __index tables completion follows
// (a class hierarchy); a cycle of __index tables stops there too.
const maxIndexChain = 8

// complete proposes completions for text (the line up to the cursor): meta
// commands and their arguments after ":", otherwise Lua names — globals,
// tbl.field and obj:method. Lua values are looked up raw on the VM
// goroutine (through Do), so completion never runs user code.
func (s *shell) complete(text string, _ int) ([]string, int) {
	if strings.HasPrefix(strings.TrimLeft(text, " \t"), ":") {
		return s.completeCommand(strings.TrimLeft(text, " \t"))
	}
	expr := trailingExpr(text)
	sep := strings.LastIndexAny(expr, ".:")
	var path []string
	prefix, method := expr, false
	if sep >= 0 {
		path = strings.FieldsFunc(expr[:sep], func(r rune) bool { return r == '.' || r == ':' })
		prefix, method = expr[sep+1:], expr[sep] == ':'
	}
	if expr == "" || (sep < 0 && !isIdentStart(expr)) {
		return nil, 0
	}
	var names []string
	err := s.be.ev.Do(func(L *lua.LState) {
		names = luaNames(L, path, method)
	})
	if err != nil {
		return nil, 0
	}
	if sep < 0 {
		names = append(names, luaKeywords...)
	}
	return filterPrefix(names, prefix), len([]rune(prefix))
}

// trailingExpr returns the name path the cursor sits at the end of:
// "x = net.li" -> "net.li", "c:se" -> "c:se", "foo(" -> "".
func trailingExpr(text string) string {
	i := len(text)
	for i > 0 {
		c := text[i-1]
		if c == '.' || c == ':' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			i--
			continue
		}
		break
	}
	expr := text[i:]
	if expr != "" && !isIdentStart(expr) {
		return ""
	}
	// the name must not follow a string or number literal's tail
	if i > 0 && (text[i-1] == '"' || text[i-1] == '\'') {
		return ""
	}
	return expr
}

func isIdentStart(s string) bool {
	c := s[0]
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// luaNames lists the string keys reachable at path from the globals, using
// raw lookups only. With method, only functions are listed (obj:method).
func luaNames(L *lua.LState, path []string, method bool) []string {
	var v lua.LValue = L.G.Global
	for _, name := range path {
		v = rawField(L, v, name)
		if v == lua.LNil {
			return nil
		}
	}
	seen := map[string]bool{}
	var out []string
	add := func(t *lua.LTable) {
		for k, val := t.Next(lua.LNil); k != lua.LNil; k, val = t.Next(k) {
			ks, ok := k.(lua.LString)
			if !ok || !isIdentifier(string(ks)) || seen[string(ks)] {
				continue
			}
			if method && val.Type() != lua.LTFunction {
				continue
			}
			if strings.HasPrefix(string(ks), "__") && len(path) > 0 {
				continue // metamethods are not called by name
			}
			seen[string(ks)] = true
			out = append(out, string(ks))
		}
	}
	if t, ok := v.(*lua.LTable); ok {
		add(t)
	}
	for _, t := range indexChain(L, v) {
		add(t)
	}
	if !method {
		for _, f := range metaFields(L, v) {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// fieldsField names a metatable field listing, as an array of strings, the
// fields an __index function answers (a conn's id, remote, local, data…):
// completion offers them after "obj." without calling the function.
const fieldsField = "__fields"

// metaFields returns the names listed in the __fields of v's metatable and
// of the metatables behind it (a promoted conn keeps the type's metatable
// one level down), raw lookups only.
func metaFields(L *lua.LState, v lua.LValue) []string {
	var out []string
	for range maxIndexChain {
		mt, ok := L.GetMetatable(v).(*lua.LTable)
		if !ok {
			break
		}
		if list, ok := mt.RawGetString(fieldsField).(*lua.LTable); ok {
			for i := 1; i <= list.Len(); i++ {
				if name, ok := list.RawGetInt(i).(lua.LString); ok && isIdentifier(string(name)) {
					out = append(out, string(name))
				}
			}
			break
		}
		v = mt
	}
	return out
}

// rawField looks name up in v: a table's own raw field, else the __index
// tables of its metatable. It never calls a metamethod.
func rawField(L *lua.LState, v lua.LValue, name string) lua.LValue {
	if t, ok := v.(*lua.LTable); ok {
		if r := t.RawGetString(name); r != lua.LNil {
			return r
		}
	}
	for _, t := range indexChain(L, v) {
		if r := t.RawGetString(name); r != lua.LNil {
			return r
		}
	}
	return lua.LNil
}

// indexChain returns the __index tables behind v's metatable, following
// the metatables of those tables (inheritance), without calling anything.
func indexChain(L *lua.LState, v lua.LValue) []*lua.LTable {
	var chain []*lua.LTable
	for range maxIndexChain {
		mt, ok := L.GetMetatable(v).(*lua.LTable)
		if !ok {
			break
		}
		idx, ok := mt.RawGetString("__index").(*lua.LTable)
		if !ok {
			// an __index function (conns, servers): the runtime publishes
			// the method table beside it, raw, so nothing is called
			if methods, ok := mt.RawGetString("__methods").(*lua.LTable); ok {
				chain = append(chain, methods)
			}
			break
		}
		for _, seen := range chain {
			if seen == idx {
				return chain
			}
		}
		chain = append(chain, idx)
		v = idx
	}
	return chain
}

// completeCommand completes ":name" from the command registry and then the
// command's own argument (a help topic, a file).
func (s *shell) completeCommand(text string) ([]string, int) {
	name, arg, hasArg := strings.Cut(text[1:], " ")
	if !hasArg {
		var names []string
		for n := range s.cmds {
			names = append(names, ":"+n)
		}
		return filterPrefix(names, text), len([]rune(text))
	}
	cmd, ok := s.cmds[name]
	if !ok || cmd.complete == nil {
		return nil, 0
	}
	arg = strings.TrimLeft(arg, " ")
	return filterPrefix(cmd.complete(s, arg), arg), len([]rune(arg))
}

// completeFile lists paths starting with prefix (directories end in "/").
func completeFile(prefix string) []string {
	dir, base := filepath.Split(prefix)
	readDir := dir
	if readDir == "" {
		readDir = "."
	}
	entries, err := os.ReadDir(readDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base) || (strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		p := dir + e.Name()
		if e.IsDir() {
			p += "/"
		}
		out = append(out, p)
	}
	return out
}

// filterPrefix keeps the words starting with prefix, sorted and unique.
func filterPrefix(words []string, prefix string) []string {
	sort.Strings(words)
	var out []string
	for i, w := range words {
		if strings.HasPrefix(w, prefix) && (i == 0 || words[i-1] != w) {
			out = append(out, w)
		}
	}
	return out
}
