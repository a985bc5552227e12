package main

import (
	"context"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// reloadCommand is :reload: srv:reload() on the shell's handler-file
// servers (docs/reload.md).
var reloadCommand = &command{name: "reload", args: "[sN]",
	summary: "load the handler file of server sN (default: every vm = \"loop\" server started here) again, without dropping conns",
	run:     (*shell).cmdReload, complete: (*shell).handleIDs}

// reloadChunk reloads the servers the shell put in a hidden global (ids
// and servers, alternating) and returns one line per server.
const reloadChunk = `local list = rawget(_G, "__netplay_reload") or {}
rawset(_G, "__netplay_reload", nil)
local all, out = list.all, {}
for i = 1, #list, 2 do
  local ok, err = list[i + 1]:reload()
  if ok then out[#out + 1] = list[i] .. " reloaded"
  elseif not (all and err:find("no handler file", 1, true)) then out[#out + 1] = list[i] .. ": " .. err end
end
return table.concat(out, "\n"), #out`

// cmdReload is :reload and :reload sN.
func (s *shell) cmdReload(arg string) error {
	found := false
	if err := s.be.ev.Do(func(L *lua.LState) {
		live, _ := liveServers(L)
		list := L.NewTable()
		for _, h := range live {
			if arg == "" || h.id == arg {
				list.Append(lua.LString(h.id))
				list.Append(h.val)
				found = true
			}
		}
		if arg == "" {
			list.RawSetString("all", lua.LTrue)
		}
		L.G.Global.RawSetString("__netplay_reload", list)
	}); err != nil {
		return err
	}
	if !found {
		if arg == "" {
			return fmt.Errorf("no open server started in this shell")
		}
		return fmt.Errorf("no open server %s (see :servers)", arg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var msg string
	var n int
	err := s.be.ev.Eval(ctx, ":reload", reloadChunk, func(L *lua.LState, vals []lua.LValue) {
		if len(vals) == 2 {
			msg, n = lua.LVAsString(vals[0]), int(lua.LVAsNumber(vals[1]))
		}
	})
	if err != nil {
		return err
	}
	if n == 0 {
		msg = "no server started here has a handler file (net.listen{vm = \"loop\", handler = \"file.lua\"})"
	}
	fmt.Fprintln(s.out, msg)
	return nil
}
