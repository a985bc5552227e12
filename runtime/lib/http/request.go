package http

import (
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/netplay-lab/netplay/codecs/http1"
	"github.com/netplay-lab/netplay/reactor"
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

	st              *sconn
	rp              *reply                         // the response under way: &own
	own             reply                          // rp's storage: one allocation per request, not two
	hijack          func(c *reactor.Conn) Takeover // set by Hijack (ws.upgrade)
	headersT, listT *lua.LTable                    // req.headers and req.header_list, made on first access
	extra           *lua.LTable                    // fields the handler set
}

func (st *sconn) copyRequest(r *http1.Request) *request {
	// One string holds every byte the request keeps (method, target, body,
	// upgrade, header names and values): two allocations however many
	// fields it has.
	n := len(r.Method) + len(r.Target) + len(r.Body) + len(r.Upgrade)
	for _, f := range r.Header {
		n += len(f.Name) + len(f.Value)
	}
	buf := make([]byte, 0, n)
	buf = append(append(append(append(buf, r.Method...), r.Target...), r.Body...), r.Upgrade...)
	for _, f := range r.Header {
		buf = append(append(buf, f.Name...), f.Value...)
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf)) // buf is not written again
	off := 0
	cut := func(l int) string { off += l; return all[off-l : off] }
	q := &request{minor: r.Minor, close: r.Close}
	q.method, q.target, q.body, q.upgrade = cut(len(r.Method)), cut(len(r.Target)), cut(len(r.Body)), cut(len(r.Upgrade))
	q.path, q.query = q.target, ""
	if i := strings.IndexByte(q.target, '?'); i >= 0 {
		q.path, q.query = q.target[:i], q.target[i+1:]
	}
	q.header = make([][2]string, len(r.Header))
	for i, f := range r.Header {
		q.header[i] = [2]string{cut(len(f.Name)), cut(len(f.Value))}
	}
	return q
}

const reqType = "netplay.http.request"

// reqValue wraps r as the handler's req: a userdata whose fields are made
// on access, so a request costs one Lua value however many fields the
// handler reads (building a table of 14 fields was a fifth of the server's
// CPU under wrk). Fields a handler sets are kept in a table of their own.
// VM goroutine.
func (st *sconn) reqValue(L *lua.LState, r *request) *lua.LUserData {
	r.st = st
	ud := L.NewUserData()
	ud.Value = r
	L.SetMetatable(ud, L.GetTypeMetatable(reqType))
	return ud
}

func checkRequest(L *lua.LState) *request {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if r, ok := ud.Value.(*request); ok {
			return r
		}
	}
	L.ArgError(1, "http request expected")
	return nil
}

// field returns req[key].
func (r *request) field(L *lua.LState, key string) lua.LValue {
	switch key {
	case "method":
		return lua.LString(r.method)
	case "path":
		return lua.LString(r.path)
	case "query":
		return lua.LString(r.query)
	case "target":
		return lua.LString(r.target)
	case "version":
		return lua.LString("HTTP/1." + string(rune('0'+r.minor)))
	case "body":
		return lua.LString(r.body)
	case "remote":
		return lua.LString(r.st.remote)
	case "conn_id":
		return lua.LNumber(r.st.c.ID())
	case "n":
		return lua.LNumber(r.n)
	case "upgrade":
		if r.upgrade == "" {
			return lua.LNil
		}
		return lua.LString(r.upgrade)
	case "ctx":
		return r.ctxValue(L)
	case "headers":
		if r.headersT == nil {
			r.headersT = L.CreateTable(0, len(r.header))
			for _, f := range r.header {
				k := strings.ToLower(f[0])
				if prev, ok := r.headersT.RawGetString(k).(lua.LString); ok {
					r.headersT.RawSetString(k, prev+", "+lua.LString(f[1]))
				} else {
					r.headersT.RawSetString(k, lua.LString(f[1]))
				}
			}
		}
		return r.headersT
	case "header_list":
		if r.listT == nil {
			r.listT = L.CreateTable(len(r.header), 0)
			for i, f := range r.header {
				pair := L.CreateTable(2, 0)
				pair.RawSetInt(1, lua.LString(f[0]))
				pair.RawSetInt(2, lua.LString(f[1]))
				r.listT.RawSetInt(i+1, pair)
			}
		}
		return r.listT
	}
	if r.extra != nil {
		return r.extra.RawGetString(key)
	}
	return lua.LNil
}

// openReqType registers req's metatable.
func openReqType(L *lua.LState) {
	mt := L.NewTypeMetatable(reqType)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		r := checkRequest(L)
		L.Push(r.field(L, L.CheckString(2)))
		return 1
	}))
	L.SetField(mt, "__newindex", L.NewFunction(func(L *lua.LState) int {
		r := checkRequest(L)
		if r.extra == nil {
			r.extra = L.NewTable()
		}
		r.extra.RawSetString(L.CheckString(2), L.Get(3))
		return 0
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		r := checkRequest(L)
		L.Push(lua.LString(r.method + " " + r.target + " (conn " + strconv.FormatUint(r.st.c.ID(), 10) + ", request " + strconv.Itoa(r.n) + ")"))
		return 1
	}))
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
