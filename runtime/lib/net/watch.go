package net

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// defaultWatch is how often srv:watch looks at the handler file's mtime:
// fast enough to feel immediate after a save, a stat call per period.
const defaultWatch = 250 * time.Millisecond

// srvWatch is srv:watch([seconds]) -> true | nil, err: reload the
// server's handler file whenever its modification time or size changes
// (netplay run --watch calls it for every handler-file server). Polling,
// not inotify/kqueue: no dependency, and editors that replace the file
// (write a temp file, rename) are seen all the same.
func srvWatch(L *lua.LState) int {
	s := checkServer(L)
	every := luautil.Seconds(float64(L.OptNumber(2, lua.LNumber(defaultWatch.Seconds()))))
	if every <= 0 {
		L.ArgError(2, "a period above 0 expected")
	}
	if s.h.handler == "" {
		L.Push(lua.LNil)
		L.Push(lua.LString("srv:watch: the server has no handler file (net.listen with vm = \"loop\" and handler = \"file.lua\")"))
		return 2
	}
	file := s.h.handler
	if !strings.HasSuffix(file, ".lua") && !strings.ContainsRune(file, '/') {
		L.Push(lua.LNil)
		L.Push(lua.LString("srv:watch: handler " + file + " is a module name; watch needs a .lua path"))
		return 2
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(s.v.Dir(), file)
	}
	e, err := s.v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	if s.watching {
		L.Push(lua.LTrue)
		return 1
	}
	s.watching = true
	stamp := func() (time.Time, int64) {
		st, err := os.Stat(file)
		if err != nil {
			return time.Time{}, -1
		}
		return st.ModTime(), st.Size()
	}
	mt, size := stamp()
	ctx, v, name := s.ctx, s.v, filepath.Base(file)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			m, sz := stamp()
			if sz < 0 || m.Equal(mt) && sz == size {
				continue // unchanged, or mid-replace: look again next time
			}
			mt, size = m, sz
			if err := s.reload(e, ""); err != nil {
				v.Logf("%v (the old code keeps running)", err)
				continue
			}
			v.Print("netplay: reloaded " + name + "\n")
		}
	}()
	L.Push(lua.LTrue)
	return 1
}
