package http

import (
	"strings"
	"time"
	"unsafe"

	"github.com/netplay-lab/netplay/codecs/http1"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

const resType = "netplay.http.response"

// reply is one response under way, on the handler's VM: the res object a
// handler may stream with.
type reply struct {
	st      *sconn
	r       *request
	status  int
	fields  []http1.Pair
	started bool // the head went out (streaming)
	done    bool
	async   bool // a write went through AsyncWrite: keep order, stay async
	keep    bool
	ended   bool        // the handler returned: req.ctx is over
	conn    string      // the Connection field
	ctx     *reqContext // req.ctx, made on first read (reqctx.go)
}

// dispatch runs the handler for r on st's VM. Loop goroutine.
func (st *sconn) dispatch(r *request) {
	// One request at a time per conn (pump waits for busy to clear), so
	// the next one waits in st.next for callNext, bound once per conn.
	st.next = r
	if st.callNext == nil {
		st.callNext = func() { st.call(st.next) }
	}
	st.run(st.callNext)
}

// wantsRes reports whether handler fn may read its second argument, res: a
// handler declared as function(req) gets nil there and the request costs
// one userdata less.
func wantsRes(fn *lua.LFunction) bool {
	return fn.IsG || fn.Proto == nil || fn.Proto.NumParameters >= 2 || fn.Proto.IsVarArg != 0
}

// call runs the handler as a coroutine. VM goroutine.
func (st *sconn) call(r *request) {
	L := st.v.L()
	rp := &r.own
	*rp = reply{st: st, r: r}
	r.rp = rp
	var res lua.LValue = lua.LNil
	if wantsRes(st.fn) {
		ud := L.NewUserData()
		ud.Value = rp
		L.SetMetatable(ud, L.GetTypeMetatable(resType))
		res = ud
	}
	st.v.Call2(st.fn, func(rets []lua.LValue, err *host.ScriptError) {
		// As Go cancels r.Context() when ServeHTTP returns, before its
		// buffered response is flushed; before the send also keeps the
		// next request's ctx (dispatched inline by the send) untouched.
		rp.endCtx()
		if err != nil {
			err.Traceback = luautil.NameCallback(err.Traceback, "handler")
		}
		if r.hijack != nil {
			// ws.upgrade: the takeover answers; the handler's returns
			// (and an error after the upgrade) change nothing.
			if err != nil {
				st.v.LogError(err)
			}
			rp.done = true
			st.takeover(r.hijack)
			return
		}
		if err != nil {
			st.v.LogError(err)
			if rp.started {
				rp.finish(nil) // end the chunked body; the client sees it short
				return
			}
			rp.status, rp.fields = 500, nil
			rp.send([]byte("internal server error\n"))
			return
		}
		rp.fromRets(L, rets)
	}, st.reqValue(L, r), res)
}

// fromRets reads (status, headers, body), ({status=, headers=, body=}) or
// (body) and sends the response.
func (rp *reply) fromRets(L *lua.LState, rets []lua.LValue) {
	if rp.started {
		rp.finish(nil)
		return
	}
	rp.status = 200
	var hv, bv lua.LValue = lua.LNil, lua.LNil
	if len(rets) > 0 {
		switch v := rets[0].(type) {
		case lua.LNumber:
			rp.status = int(v)
			if len(rets) > 1 {
				hv = rets[1]
			}
			if len(rets) > 2 {
				bv = rets[2]
			}
		case *lua.LTable:
			if s, ok := v.RawGetString("status").(lua.LNumber); ok {
				rp.status = int(s)
			}
			hv, bv = v.RawGetString("headers"), v.RawGetString("body")
		case lua.LString:
			bv = v
		}
	}
	if rp.status < 100 || rp.status > 999 {
		rp.st.v.Logf("http handler: invalid status %d; answering 500", rp.status)
		rp.status = 500
	}
	rp.fields = appendFields(rp.fields[:0], hv)
	var body []byte
	if bv != lua.LNil {
		s := luautil.ToString(L, bv)
		body = unsafe.Slice(unsafe.StringData(s), len(s)) // read-only: send copies it into the response
	}
	rp.send(body)
}

// appendFields adds a Lua headers table ({name = value or {values}}).
func appendFields(fs []http1.Pair, hv lua.LValue) []http1.Pair {
	t, ok := hv.(*lua.LTable)
	if !ok {
		return fs
	}
	// Next, not ForEach: no closure to allocate per response.
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		name := lua.LVAsString(k)
		if vs, ok := v.(*lua.LTable); ok {
			for i := 1; i <= vs.Len(); i++ {
				fs = append(fs, http1.Pair{Name: name, Value: lua.LVAsString(vs.RawGetInt(i))})
			}
			continue
		}
		fs = append(fs, http1.Pair{Name: name, Value: lua.LVAsString(v)})
	}
	return fs
}

// head decides keep-alive and returns the response head's fields.
func (rp *reply) head(now time.Time, hasBody bool) []http1.Pair {
	st := rp.st
	fake := http1.Request{Minor: rp.r.minor, Close: rp.r.close}
	rp.keep, rp.conn = KeepAlive(&fake, st.s.keepAlive.Load(), rp.r.n, st.s.opts.maxRequests)
	fs := st.s.appendBaseFields(st.fields[:0], now, rp.conn, false)
	defer func() { st.fields = fs[:0] }()
	var hasType bool
	for _, f := range rp.fields {
		switch {
		case strings.EqualFold(f.Name, "date"), strings.EqualFold(f.Name, "server"), strings.EqualFold(f.Name, "connection"):
			continue // netplay's own
		case strings.EqualFold(f.Name, "content-type"):
			hasType = true
		}
		fs = append(fs, f)
	}
	if hasBody && !hasType {
		fs = append(fs, http1.Pair{Name: "Content-Type", Value: "text/plain; charset=utf-8"})
	}
	return fs
}

// send writes a whole response with a Content-Length body.
func (rp *reply) send(body []byte) {
	if rp.done {
		return
	}
	rp.done = true
	st := rp.st
	fs := rp.head(time.Now(), len(body) > 0)
	var dst []byte
	direct := st.ch.RunsOn(st.c.Loop())
	if direct {
		dst = st.scratch[:0] // a direct Write copies what it keeps
	}
	out, err := http1.AppendResponse(dst, rp.status, fs, body, rp.r.method == "HEAD")
	if direct && cap(out) <= 64<<10 {
		st.scratch = out[:0]
	}
	if err != nil {
		rp.st.v.Logf("http handler: %v; answering 500", err)
		out, _ = http1.AppendResponse(nil, 500, rp.st.s.baseFields(time.Now(), rp.conn, true), []byte("internal server error\n"), false)
	}
	rp.write(out, true)
}

// write hands out to the conn: directly when this goroutine is the conn's
// loop, else through AsyncWrite. last ends the response.
func (rp *reply) write(out []byte, last bool) {
	st := rp.st
	closeAfter := !rp.keep
	if !rp.async && st.ch.RunsOn(st.c.Loop()) {
		st.c.Write(out)
		if last {
			st.responseDone(closeAfter)
		}
		return
	}
	rp.async = true
	var done func(*reactor.Conn, error)
	if last {
		done = func(*reactor.Conn, error) { st.responseDone(closeAfter) }
	}
	st.c.AsyncWrite(out, done)
}

// stream sends the head with chunked coding (res:write's first call).
func (rp *reply) stream(status int, hv lua.LValue) {
	if rp.started {
		return
	}
	rp.started = true
	if status != 0 {
		rp.status = status
	} else if rp.status == 0 {
		rp.status = 200
	}
	rp.fields = appendFields(rp.fields, hv)
	out, err := http1.AppendResponseHead(nil, rp.status, rp.head(time.Now(), true), http1.Chunked)
	if err != nil {
		rp.st.v.Logf("http handler: %v", err)
		out, _ = http1.AppendResponseHead(nil, 500, rp.st.s.baseFields(time.Now(), "close", false), http1.Chunked)
		rp.keep = false
	}
	rp.write(out, false)
}

// finish ends a streamed response.
func (rp *reply) finish(trailers []http1.Pair) {
	if rp.done {
		return
	}
	rp.done = true
	out, _ := http1.AppendLastChunk(nil, trailers)
	rp.write(out, true)
}

func checkReply(L *lua.LState) *reply {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if rp, ok := ud.Value.(*reply); ok {
			return rp
		}
	}
	L.ArgError(1, "http response expected")
	return nil
}

// openResType registers res's metatable: res:write_head(status, headers),
// res:write(chunk), res:finish().
func openResType(L *lua.LState) {
	mt := L.NewTypeMetatable(resType)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"write_head": func(L *lua.LState) int {
			rp := checkReply(L)
			if rp.started || rp.done {
				L.RaiseError("res:write_head: the head was already sent")
			}
			rp.status = L.OptInt(2, 200)
			rp.fields = appendFields(rp.fields[:0], L.Get(3))
			return 0
		},
		"write": func(L *lua.LState) int {
			rp := checkReply(L)
			if rp.done {
				L.Push(lua.LFalse)
				L.Push(lua.LString("response finished"))
				return 2
			}
			if rp.st.gone.Load() {
				L.Push(lua.LFalse)
				L.Push(lua.LString("closed"))
				return 2
			}
			rp.stream(0, lua.LNil)
			if s := L.CheckString(2); s != "" {
				rp.write(http1.AppendChunk(nil, []byte(s)), false)
			}
			L.Push(lua.LTrue)
			return 1
		},
		"finish": func(L *lua.LState) int {
			rp := checkReply(L)
			if !rp.started {
				rp.stream(0, lua.LNil)
			}
			rp.finish(nil)
			return 0
		},
	})
	L.SetField(mt, "__index", methods)
}

// baseFields are netplay's fields on every response: Date, Server and, when
// not empty, Connection. withType adds a text/plain Content-Type.
func (s *server) baseFields(now time.Time, connection string, withType bool) []http1.Pair {
	return s.appendBaseFields(make([]http1.Pair, 0, 8), now, connection, withType)
}

// appendBaseFields is baseFields appending to fs.
func (s *server) appendBaseFields(fs []http1.Pair, now time.Time, connection string, withType bool) []http1.Pair {
	fs = append(fs, http1.Pair{Name: "Date", Value: serverDate.get(now)}, http1.Pair{Name: "Server", Value: "netplay"})
	if connection != "" {
		fs = append(fs, http1.Pair{Name: "Connection", Value: connection})
	}
	if withType {
		fs = append(fs, http1.Pair{Name: "Content-Type", Value: "text/plain; charset=utf-8"})
	}
	return fs
}
