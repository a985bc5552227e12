package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// handles keeps the servers and timers started on the shell's VM — by a
// typed line, a :load-ed file or a handler running there — so that :servers
// and :timers list them even when no variable holds them any more (`local
// srv = …` at the prompt, a stray timer.every) and :close / :stop end them.
//
// It wraps net.listen, timer.after and timer.every in the VM's module
// tables. A wrapper calls the original Go function on the caller's own
// stack frame (not through another call), so argument errors, names in
// messages and tracebacks are the original's. Loop and worker VMs are not
// wrapped: their servers and timers are not listed.
//
// Used on the VM goroutine only (the wrappers run there; the commands reach
// it through evaluator.Do).
type handles struct {
	servers, timers []*handle
	nServer, nTimer int
	now             func() time.Time
}

// handle is one tracked server or timer.
type handle struct {
	id      string // "s1", "t1"
	ud      *lua.LUserData
	what    string    // a timer's kind and period: "every 0.5s"
	created time.Time // when it was made
	due     time.Time // a one-shot timer's firing time; zero otherwise
}

func newHandles() *handles { return &handles{now: time.Now} }

// install wraps the module functions in L's globals; a function that is
// missing or not a plain Go function is left alone.
func (h *handles) install(L *lua.LState) {
	wrap := func(module, name string, record func(arg1 lua.LValue, ud *lua.LUserData)) {
		mod, ok := L.GetGlobal(module).(*lua.LTable)
		if !ok {
			return
		}
		orig, ok := mod.RawGetString(name).(*lua.LFunction)
		if !ok || !orig.IsG || len(orig.Upvalues) > 0 {
			return
		}
		mod.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			arg1 := L.Get(1)
			n := orig.GFunction(L)
			if n > 0 {
				if ud, ok := L.Get(-n).(*lua.LUserData); ok {
					record(arg1, ud)
				}
			}
			return n
		}))
	}
	wrap("net", "listen", func(_ lua.LValue, ud *lua.LUserData) {
		h.nServer++
		h.servers = append(h.servers, &handle{id: "s" + strconv.Itoa(h.nServer), ud: ud, created: h.now()})
	})
	for _, kind := range []string{"after", "every"} {
		wrap("timer", kind, func(arg1 lua.LValue, ud *lua.LUserData) {
			secs := float64(lua.LVAsNumber(arg1))
			h.nTimer++
			t := &handle{id: "t" + strconv.Itoa(h.nTimer), ud: ud, created: h.now(),
				what: kind + " " + strconv.FormatFloat(secs, 'g', -1, 64) + "s"}
			if kind == "after" {
				t.due = t.created.Add(time.Duration(secs * float64(time.Second)))
			}
			h.timers = append(h.timers, t)
		})
	}
}

// liveServers drops the servers that have closed and returns the others
// with their live description (their __tostring).
func (h *handles) liveServers(L *lua.LState) (live []*handle, desc []string) {
	kept := h.servers[:0]
	for _, s := range h.servers {
		d := describe(L, s.ud)
		if strings.HasSuffix(d, "(closed)") {
			continue
		}
		kept = append(kept, s)
		live = append(live, s)
		desc = append(desc, d)
	}
	h.servers = kept
	return live, desc
}

// liveTimers drops the one-shot timers whose time has passed (they fired)
// and returns the others. A timer stopped by Lua code stays listed until
// :stop finds it stopped: the runtime does not say.
func (h *handles) liveTimers() []*handle {
	now := h.now()
	kept := h.timers[:0]
	for _, t := range h.timers {
		if !t.due.IsZero() && now.After(t.due) {
			continue
		}
		kept = append(kept, t)
	}
	h.timers = kept
	return append([]*handle(nil), kept...)
}

// end closes server id (srv:close()) or stops timer id (t:stop()) and
// forgets it. It reports what it did, or an error naming the id.
func (h *handles) end(L *lua.LState, id string) (string, error) {
	list, method := &h.servers, "close"
	if strings.HasPrefix(id, "t") {
		list, method = &h.timers, "stop"
	}
	for i, x := range *list {
		if x.id != id {
			continue
		}
		*list = append((*list)[:i], (*list)[i+1:]...)
		fn := L.GetField(x.ud, method)
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, x.ud); err != nil {
			return "", err
		}
		ret := L.Get(-1)
		L.Pop(1)
		if method == "stop" && ret == lua.LFalse {
			return id + " had already fired or been stopped", nil
		}
		return id + " " + map[string]string{"close": "closed", "stop": "stopped"}[method], nil
	}
	return "", fmt.Errorf("no server or timer %s (see :servers and :timers)", id)
}

// describe is v's __tostring, or its type name.
func describe(L *lua.LState, v lua.LValue) string {
	f := formatter{L: L}
	if ud, ok := v.(*lua.LUserData); ok {
		return f.userdata(ud)
	}
	return v.String()
}

// writeHandles prints rows of id, description and age as an aligned table.
func writeHandles(w io.Writer, header string, hs []*handle, desc []string, extra func(*handle) string, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for i, x := range hs {
		age := now.Sub(x.created).Truncate(100 * time.Millisecond).String()
		fmt.Fprintf(tw, "%s\t%s\t%s%s\n", x.id, desc[i], age, extra(x))
	}
	tw.Flush()
}
