package net

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// Hot reload (srv:reload, docs/reload.md): a vm = "loop" server's handler
// file is loaded again in every loop VM; once all loaded it without error,
// each switches, and every open conn's next message runs the new
// callbacks. A conn keeps its luaConn (c.data, its codec), so state there
// and in shared.dict survives.

// liveKey keys a VM's live conns per handler (host.VM.Local).
type liveKey struct{}

// liveConns is, per netHandler, the open conns one VM runs for it: what a
// reload switches. VM goroutine only.
type liveConns map[*netHandler]map[*luaConn]struct{}

func liveOf(v host.VM) liveConns {
	return v.Local(liveKey{}, func() any { return liveConns{} }).(liveConns)
}

// track records lc as a conn of a handler-file server on its VM, taking
// the callbacks in force on this VM now (a reload may have come between
// the loop picking them and the VM binding the conn). VM goroutine.
func (lc *luaConn) track(h *netHandler) {
	if h.handler == "" {
		return
	}
	if lh := loadedHandlers(lc.v)[h.handler]; lh != nil {
		lc.cb = lh.cb
	}
	live := liveOf(lc.v)
	m := live[h]
	if m == nil {
		m = make(map[*luaConn]struct{})
		live[h] = m
	}
	m[lc] = struct{}{}
}

// untrack forgets lc once it closed. VM goroutine.
func (lc *luaConn) untrack() {
	if lc.st == nil || lc.st.h.handler == "" {
		return
	}
	live := liveOf(lc.v)
	if m := live[lc.st.h]; m != nil {
		delete(m, lc)
		if len(m) == 0 {
			delete(live, lc.st.h)
		}
	}
}

// onLoops runs fn(v) on the loop VM of each loop, in parallel, and
// returns the errors by loop. It waits for all of them.
func onLoops(loops []*reactor.Loop, ch host.ConnHost, fn func(i int, v host.VM) error) []error {
	errs := make([]error, len(loops))
	var wg sync.WaitGroup
	for i, l := range loops {
		wg.Add(1)
		task := func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("loop VM %d: %v", l.Index(), r)
				}
			}()
			errs[i] = fn(i, ch.LoopVM(l))
		}
		for {
			err := l.Execute(task)
			if err == nil {
				break
			}
			if !errors.Is(err, reactor.ErrLoopBusy) {
				errs[i] = err
				wg.Done()
				break
			}
			// the loop's task queue is full: it is draining it; try again
		}
	}
	wg.Wait()
	return errs
}

// reload loads file (h.handler when "") into every loop VM of the server
// and switches them all, or none. Any goroutine but a loop's.
func (s *luaServer) reload(e *reactor.Engine, file string) error {
	h := s.h
	if h.handler == "" {
		return errNoHandlerFile
	}
	if file == "" {
		file = h.handler
	}
	if !h.loopMode {
		return s.reloadScript(file)
	}
	loops := e.Loops()
	if s.loops > 0 && s.loops < len(loops) {
		loops = loops[:s.loops]
	}
	ch := h.v.Conns()
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	// Phase 1: every loop VM compiles and runs the file; nothing switches.
	fresh := make([]*loopHandlerT, len(loops))
	errs := onLoops(loops, ch, func(i int, v host.VM) error {
		lh, err := compileHandler(v, file, true)
		fresh[i] = lh
		return err
	})
	var msgs []string
	for _, err := range errs {
		if err != nil && !contains(msgs, err.Error()) {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "\n"))
	}
	// Phase 2: each loop VM switches its conns between two of their events.
	errs = onLoops(loops, ch, func(i int, v host.VM) error {
		lh := fresh[i]
		loadedHandlers(v)[h.handler] = lh
		for lc := range liveOf(v)[h] {
			lc.cb = lh.cb
		}
		return nil
	})
	return errors.Join(errs...)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

var errNoHandlerFile = errors.New("srv:reload: the server has no handler file (net.listen with handler = \"file.lua\")")

// scriptHandler loads a script-VM server's handler file (net.listen with
// handler and no vm = "loop"): its callbacks replace on_* options.
func scriptHandler(v host.VM, L *lua.LState, h *netHandler, file string) {
	if h.cb != (callbacks{}) {
		L.RaiseError("net.listen: give handler or on_* functions, not both")
	}
	lh, err := compileHandler(v, file, false)
	if err != nil {
		L.RaiseError("net.listen: handler %s: %v", file, err)
	}
	h.handler, h.cb = file, lh.cb
	if lh.framer != nil {
		if lh.framer.Owner() != nil && lh.framer.Owner() != v {
			L.RaiseError("net.listen: handler %s: codec.custom of another VM", file)
		}
		h.framer = lh.framer
	}
	loadedHandlers(v)[file] = lh
}

// reloadScript reloads a script-VM server's handler file on the script
// VM: one VM, so one step. New conns keep the codec the server started
// with. Off the VM goroutine: it posts and waits.
func (s *luaServer) reloadScript(file string) error {
	done := make(chan error, 1)
	s.v.Post(func() {
		lh, err := compileHandler(s.v, file, true)
		if err != nil {
			done <- err
			return
		}
		loadedHandlers(s.v)[s.h.handler] = lh
		for lc := range liveOf(s.v)[s.h] {
			lc.cb = lh.cb
		}
		done <- nil
	})
	return <-done
}

// srvReload is srv:reload([file]) -> true | nil, err: it suspends the
// caller until every loop VM has switched, or none has.
func srvReload(L *lua.LState) int {
	s := checkServer(L)
	file := L.OptString(2, "")
	if s.closed {
		L.Push(lua.LNil)
		L.Push(lua.LString("srv:reload: the server is closed"))
		return 2
	}
	e, err := s.v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	return s.v.Await(L, "srv:reload", func(w host.Waker) {
		go func() {
			if err := s.reload(e, file); err != nil {
				w.Wake(lua.LNil, lua.LString(err.Error()))
				return
			}
			w.Wake(lua.LTrue)
		}()
	})
}
