package tap

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// The shell's :tap taps every server of its VM. net lists its own
// (net.servers()); the servers of the http and ws modules are tracked
// here, in the VM's Lua registry, with ids of their own ("h1", "w1").

// sourcesKey keys a VM's tracked sources in its Lua registry.
const sourcesKey = "netplay.tap.sources"

// sources is what a VM tracks; VM goroutine only.
type sources struct {
	next map[string]int
	list []Tracked
}

// Tracked is one tracked server: its id for :tap and its Lua value (a
// Source).
type Tracked struct {
	ID  string
	Val *lua.LUserData
}

func vmSources(L *lua.LState) *sources {
	reg, _ := L.Get(lua.RegistryIndex).(*lua.LTable)
	if ud, ok := reg.RawGetString(sourcesKey).(*lua.LUserData); ok {
		if s, ok := ud.Value.(*sources); ok {
			return s
		}
	}
	s := &sources{next: map[string]int{}}
	ud := L.NewUserData()
	ud.Value = s
	reg.RawSetString(sourcesKey, ud)
	return s
}

// Track records ud, whose Value is a Source (an http or ws server), for
// the shell's :tap under the id prefix and a number counted per prefix
// ("h1", "h2"). VM goroutine.
func Track(L *lua.LState, prefix string, ud *lua.LUserData) {
	s := vmSources(L)
	s.prune()
	s.next[prefix]++
	s.list = append(s.list, Tracked{ID: prefix + strconv.Itoa(s.next[prefix]), Val: ud})
}

// TrackedSources returns the tracked servers not closed yet, in the order
// they started. VM goroutine.
func TrackedSources(L *lua.LState) []Tracked {
	s := vmSources(L)
	s.prune()
	return append([]Tracked(nil), s.list...)
}

// prune forgets the servers that closed (their TapSource fails).
func (s *sources) prune() {
	keep := s.list[:0]
	for _, t := range s.list {
		if src, ok := t.Val.Value.(Source); ok {
			if _, _, err := src.TapSource(); err == nil {
				keep = append(keep, t)
			}
		}
	}
	clear(s.list[len(keep):])
	s.list = keep
}
