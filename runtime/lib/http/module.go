package http

import (
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// Module is the http Lua module.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "http", Doc: "HTTP/1.1 with Go net/http's keep-alive semantics and option names: a server whose handler returns status, headers, body, and a pooled client whose responses tell which conn carried them (see docs/http.md).",
		Funcs: []host.FuncDoc{
			{Name: "listen", Signature: "http.listen(url, handler, {keep_alives_enabled = true, idle_timeout = 0, read_header_timeout = 10, read_timeout = 0, write_timeout = 0, max_header_bytes = 32768, max_body_bytes = 8388608, max_requests_per_conn = 1000, max_conns = 1024, vm = \"script\", handler = nil, loops}) -> srv | nil, err",
				Doc:     "Starts a server. handler(req, res) returns status, headers, body (or {status=, headers=, body=}, or a body); req has method path query target version headers header_list body remote conn_id n ctx. res:write(chunk) streams a chunked body. vm = \"loop\" loads handler (a file or module returning the function) into each loop VM.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function(req) return 200, {['X-N'] = req.n}, 'hello ' .. req.path end)\nlocal res = http.get(srv.url .. '/x')\nassert(res.status == 200 and res.body == 'hello /x' and res.headers['x-n'] == '1')\nsrv:close()"},
			{Name: "srv:set_keep_alives_enabled", Signature: "srv:set_keep_alives_enabled(on)", Doc: "Go's SetKeepAlivesEnabled: false closes idle conns and answers the next request on each busy one with Connection: close.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function(req) return 200, nil, 'ok' end)\nlocal cl = http.client()\ncl:get(srv.url)\nsrv:set_keep_alives_enabled(false)\nlocal res = cl:get(srv.url)\nassert(not res.reused)  -- the idle conn was closed\nassert(res.headers.connection == 'close')\nsrv:close()"},
			{Name: "srv.addr", Signature: "srv.addr srv.url srv.ctx srv:stats() srv:close([grace_seconds])", Doc: "The bound host:port, its http:// URL, a context cancelled at shutdown, counters, and a graceful close.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function() return 204 end)\nassert(srv.url:match('^http://127.0.0.1:%d+$'))\nsrv:close()"},
			{Name: "client", Signature: "http.client{disable_keep_alives = false, max_idle_conns = 100, max_idle_conns_per_host = 2, max_conns_per_host = 0, idle_conn_timeout = 90, timeout = 30, response_header_timeout = 0, follow_redirects = true, trace = false} -> cl",
				Doc:     "A client with Go Transport's pool. cl:get/post/request suspend the calling coroutine; res has status headers body reused was_idle idle_time conn_id local.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function(req) return 200, nil, req.method end)\nlocal cl = http.client{}\nlocal a = cl:get(srv.url)\nlocal b = cl:post(srv.url, 'x')\nassert(a.body == 'GET' and b.body == 'POST')\nassert(not a.reused and b.reused and b.conn_id == a.conn_id)\nsrv:close()"},
			{Name: "cl:request", Suspends: true, Signature: "cl:get(url, {headers, ctx, timeout}) / cl:post(url, body, {…}) / cl:request{method, url, headers, body, ctx, timeout} -> res | nil, err",
				Doc:     "Sends a request on a pooled conn (or a new one) and reads the whole response. A reused conn the server closed while idle is retried once on a new conn when nothing was written or the method is idempotent.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function(req) return 201, {['Content-Type'] = 'text/x'}, req.body end)\nlocal res = http.client():request{method = 'PUT', url = srv.url .. '/r', body = 'data'}\nassert(res.status == 201 and res.body == 'data' and res.headers['content-type'] == 'text/x')\nsrv:close()"},
			{Name: "cl:stats", Signature: "cl:stats() -> {[host] = {opened, reused, idle, active, closed_idle}}", Doc: "Per host: conns dialed, requests on reused conns, idle conns now, busy conns, conns closed by idle_conn_timeout.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function() return 200 end)\nlocal cl = http.client()\nfor _ = 1, 3 do cl:get(srv.url) end\nlocal s = cl:stats()[srv.url]\nassert(s.opened == 1 and s.reused == 2 and s.idle == 1)\nsrv:close()"},
			{Name: "get", Suspends: true, Signature: "http.get(url, {headers, ctx, timeout}) -> res | nil, err", Doc: "GET through the VM's default client (Go's DefaultClient).",
				Example: "local srv = http.listen('http://127.0.0.1:0', function(req) return 200, nil, req.path end)\nassert(http.get(srv.url .. '/a').body == '/a')\nsrv:close()"},
			{Name: "post", Suspends: true, Signature: "http.post(url, body, {headers, ctx, timeout}) -> res | nil, err", Doc: "POST through the VM's default client.",
				Example: "local srv = http.listen('http://127.0.0.1:0', function(req) return 200, nil, req.body end)\nassert(http.post(srv.url, 'hi').body == 'hi')\nsrv:close()"},
		}},
	Kinds: host.Script | host.Loop,
	Open: func(v host.VM) *lua.LTable {
		L := v.L()
		openServerType(L)
		openResType(L)
		openReqType(L)
		openClientType(L)
		mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"listen": func(L *lua.LState) int { return listen(v, L) },
			"client": func(L *lua.LState) int { return newClient(v, L) },
		})
		mod.RawSetString("get", luautil.ExactResults(L, func(L *lua.LState) int { return defaultClient(v, L).get(L, 1, httpGetOpts) }))
		mod.RawSetString("post", luautil.ExactResults(L, func(L *lua.LState) int { return defaultClient(v, L).post(L, 1, httpPostOpts) }))
		return mod
	},
}
