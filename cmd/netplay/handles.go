package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	lua "github.com/yuin/gopher-lua"
)

// The shell lists and ends the servers and timers of its VM through the
// runtime's own lists, net.servers() and timer.list(): they hold every
// server and pending timer, also one no variable holds any more (`local
// srv = …` at the prompt, a stray timer.every) and those a :load-ed file
// or a handler started. Ids are "s" or "t" and the object's id field.
// VM goroutine only (the commands reach it through evaluator.Do).

// liveHandle is one listed server or timer.
type liveHandle struct {
	id   string // "s1", "t2"
	val  lua.LValue
	desc string // its tostring: live state
}

// listHandles calls module.fn() from package.loaded (a script shadowing
// the global does not hide it) and describes what it returns.
func listHandles(L *lua.LState, module, fn, prefix string) ([]liveHandle, error) {
	loaded, _ := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable)
	if loaded == nil {
		return nil, fmt.Errorf("no module table")
	}
	mod, _ := loaded.RawGetString(module).(*lua.LTable)
	if mod == nil {
		return nil, fmt.Errorf("the %s module is not loaded", module)
	}
	f, ok := mod.RawGetString(fn).(*lua.LFunction)
	if !ok {
		return nil, fmt.Errorf("%s.%s is missing", module, fn)
	}
	if err := L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: true}); err != nil {
		return nil, err
	}
	list, _ := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	var out []liveHandle
	if list == nil {
		return nil, nil
	}
	for i := 1; i <= list.Len(); i++ {
		v := list.RawGetInt(i)
		id := prefix + lua.LVAsString(L.GetField(v, "id"))
		out = append(out, liveHandle{id: id, val: v, desc: describe(L, v)})
	}
	return out, nil
}

func liveServers(L *lua.LState) ([]liveHandle, error) { return listHandles(L, "net", "servers", "s") }
func liveTimers(L *lua.LState) ([]liveHandle, error)  { return listHandles(L, "timer", "list", "t") }

// endHandle closes server id (srv:close()) or stops timer id (t:stop());
// a conn id (a number) is the shell's backend's (cmdEnd).
// It reports what it did, or an error naming the id.
func endHandle(L *lua.LState, id string) (string, error) {
	list, method, done := liveServers, "close", "closed"
	if strings.HasPrefix(id, "t") {
		list, method, done = liveTimers, "stop", "stopped"
	}
	hs, err := list(L)
	if err != nil {
		return "", err
	}
	for _, x := range hs {
		if x.id != id {
			continue
		}
		fn := L.GetField(x.val, method)
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, x.val); err != nil {
			return "", err
		}
		return id + " " + done, nil
	}
	return "", fmt.Errorf("no server or timer %s (see :servers and :timers; a number is a conn from :conns)", id)
}

// describe is v's __tostring, or its type name.
func describe(L *lua.LState, v lua.LValue) string {
	f := formatter{L: L}
	if ud, ok := v.(*lua.LUserData); ok {
		return f.userdata(ud)
	}
	return v.String()
}

// writeHandles prints rows of id and description as an aligned table.
func writeHandles(w io.Writer, header string, hs []liveHandle) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, x := range hs {
		fmt.Fprintf(tw, "%s\t%s\n", x.id, x.desc)
	}
	tw.Flush()
}
