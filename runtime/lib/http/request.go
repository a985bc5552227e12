package http

import (
	"strings"
	"sync"

	"github.com/netplay-lab/netplay/codecs/http1"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// request is a parsed request copied off the loop's buffer, so the handler
// may run on another goroutine and later than the read.
type request struct {
	method, target, path, query string
	minor                       int
	header                      [][2]string // name as sent, value
	body                        string
	close                       bool
	upgrade                     string
	n                           int
}

func (st *sconn) copyRequest(r *http1.Request) *request {
	q := &request{
		method: string(r.Method), target: string(r.Target), minor: r.Minor,
		body: string(r.Body), close: r.Close, upgrade: string(r.Upgrade),
	}
	q.path, q.query = q.target, ""
	if i := strings.IndexByte(q.target, '?'); i >= 0 {
		q.path, q.query = q.target[:i], q.target[i+1:]
	}
	q.header = make([][2]string, len(r.Header))
	for i, f := range r.Header {
		q.header[i] = [2]string{string(f.Name), string(f.Value)}
	}
	return q
}

// table builds req for the handler, on st's VM.
func (st *sconn) table(L *lua.LState, r *request) *lua.LTable {
	t := L.CreateTable(0, 14)
	t.RawSetString("method", lua.LString(r.method))
	t.RawSetString("target", lua.LString(r.target))
	t.RawSetString("path", lua.LString(r.path))
	t.RawSetString("query", lua.LString(r.query))
	t.RawSetString("version", lua.LString("HTTP/1."+string(rune('0'+r.minor))))
	h := L.CreateTable(0, len(r.header))
	list := L.CreateTable(len(r.header), 0)
	for i, f := range r.header {
		k := strings.ToLower(f[0])
		if prev, ok := h.RawGetString(k).(lua.LString); ok {
			h.RawSetString(k, prev+", "+lua.LString(f[1]))
		} else {
			h.RawSetString(k, lua.LString(f[1]))
		}
		pair := L.CreateTable(2, 0)
		pair.RawSetInt(1, lua.LString(f[0]))
		pair.RawSetInt(2, lua.LString(f[1]))
		list.RawSetInt(i+1, pair)
	}
	t.RawSetString("headers", h)
	t.RawSetString("header_list", list)
	t.RawSetString("body", lua.LString(r.body))
	t.RawSetString("remote", lua.LString(st.remote))
	t.RawSetString("conn_id", lua.LNumber(st.c.ID()))
	t.RawSetString("n", lua.LNumber(r.n))
	if r.upgrade != "" {
		t.RawSetString("upgrade", lua.LString(r.upgrade))
	}
	if st.ctxUD == nil {
		st.ctxUD = luactx.New(L, st.ctx)
	}
	t.RawSetString("ctx", st.ctxUD)
	return t
}

// connSet is a server's open conns, for set_keep_alives_enabled(false).
type connSet struct {
	mu sync.Mutex
	m  map[*sconn]struct{}
}

func (s *connSet) add(st *sconn) {
	s.mu.Lock()
	if s.m == nil {
		s.m = map[*sconn]struct{}{}
	}
	s.m[st] = struct{}{}
	s.mu.Unlock()
}

func (s *connSet) remove(st *sconn) {
	s.mu.Lock()
	delete(s.m, st)
	s.mu.Unlock()
}

func (s *connSet) each(fn func(st *sconn)) {
	s.mu.Lock()
	all := make([]*sconn, 0, len(s.m))
	for st := range s.m {
		all = append(all, st)
	}
	s.mu.Unlock()
	for _, st := range all {
		fn(st)
	}
}
