package bench

import (
	"context"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// Module is the bench Lua module: bench.run drives the same Go engine as
// `netplay bench`, on its own reactor engine, and suspends the calling
// coroutine until the run is over; no Lua runs per request.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "bench", Doc: "A load generator on its own reactor loops (docs/bench.md): the same engine and result as `netplay bench`.",
		Funcs: []host.FuncDoc{
			{Name: "run", Suspends: true,
				Signature: "bench.run{url =, mode =, c = 50, d = 10, n =, size = 64, depth = 1, rate =, timeout = 5, cmd = 'mix', verify = true, loops =} -> result | nil, err",
				Doc:       "Loads url for d seconds (or n requests) and returns what --json prints: requests, rps, errors, errors_by_kind, latency_us {p50, p90, p99, p99_9, max, ...}, histogram.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, m) c:send(m) end})\n" +
					"local r = assert(bench.run{url = 'tcp://' .. srv.addr, c = 4, d = 0.2})\n" +
					"assert(r.errors == 0 and r.requests > 0 and r.latency_us.p99 >= r.latency_us.p50)\n" +
					"print(r.requests, math.floor(r.rps), r.latency_us.p99)\n" +
					"srv:close()"},
		}},
	Kinds: host.Script,
	Open: func(v host.VM) *lua.LTable {
		L := v.L()
		t := L.NewTable()
		t.RawSetString("run", luautil.ExactResults(L, func(L *lua.LState) int { return luaRun(v, L) }))
		return t
	},
}

// runOpts are bench.run's options (luautil.Options: a typo is an error
// naming the closest key).
var runOpts = luautil.NewOptions("bench.run", "url:string", "mode:string", "c:integer", "d:number", "n:integer",
	"size:integer", "depth:integer", "rate:number", "timeout:number", "cmd:string", "verify:boolean", "loops:integer")

// luaConfig reads bench.run's options table; a bad option raises.
func luaConfig(L *lua.LState) Config {
	o := runOpts.Table(L, 1)
	secs := func(k string) time.Duration {
		s := luautil.OptNum(L, o, k, 0)
		if s != s || s < 0 {
			L.RaiseError("bench.run: option %s: seconds must be >= 0, got %v", k, s)
		}
		return luautil.Seconds(s)
	}
	cfg := Config{
		URL:      luautil.OptString(L, o, "url", ""),
		Mode:     luautil.OptString(L, o, "mode", ""),
		Conns:    luautil.OptInt(L, o, "c", DefaultConns),
		Duration: secs("d"),
		Requests: int64(luautil.OptInt(L, o, "n", 0)),
		Size:     luautil.OptInt(L, o, "size", DefaultSize),
		Depth:    luautil.OptInt(L, o, "depth", DefaultDepth),
		Rate:     luautil.OptNum(L, o, "rate", 0),
		Timeout:  secs("timeout"),
		Command:  luautil.OptString(L, o, "cmd", "mix"),
		NoVerify: !luautil.OptBool(L, o, "verify", true),
		Loops:    luautil.OptInt(L, o, "loops", 0),
	}
	if cfg.URL == "" {
		L.RaiseError("bench.run: option url is required (tcp://host:port, http://host:port/path, ...)")
	}
	if cfg.Conns < 1 || cfg.Size < 1 || cfg.Depth < 1 {
		L.RaiseError("bench.run: c, size and depth must be at least 1")
	}
	if _, err := cfg.withDefaults(); err != nil {
		L.RaiseError("%v", err)
	}
	if _, err := parseTarget(cfg.URL, cfg.Mode); err != nil {
		L.RaiseError("%v", err)
	}
	return cfg
}

// luaRun is bench.run: the run happens on its own goroutine and engine;
// the coroutine wakes with the result table, or nil and the error. A
// coroutine that stops waiting (interrupted) cancels the run.
func luaRun(v host.VM, L *lua.LState) int {
	cfg := luaConfig(L)
	return v.Await(L, "bench.run", func(w host.Waker) {
		ctx, cancel := context.WithCancel(context.Background())
		var watch func()
		watch = func() {
			if !w.Waiting() {
				cancel()
				return
			}
			v.After(100*time.Millisecond, watch)
		}
		v.After(100*time.Millisecond, watch)
		go func() {
			res, err := Run(ctx, cfg)
			cancel()
			v.Post(func() {
				if err != nil {
					w.Wake(lua.LNil, lua.LString(err.Error()))
					return
				}
				w.Wake(resultTable(v.L(), res))
			})
		}()
	})
}

// resultTable is res as Lua sees it: the fields and names of --json.
func resultTable(L *lua.LState, res *Result) *lua.LTable {
	t := L.NewTable()
	set := func(t *lua.LTable, k string, v float64) { t.RawSetString(k, lua.LNumber(v)) }
	t.RawSetString("url", lua.LString(res.URL))
	t.RawSetString("mode", lua.LString(res.Mode))
	set(t, "conns", float64(res.Conns))
	set(t, "size", float64(res.Size))
	set(t, "depth", float64(res.Depth))
	set(t, "rate", res.Rate)
	set(t, "duration_s", res.Seconds)
	set(t, "requests", float64(res.Requests))
	set(t, "errors", float64(res.Errors))
	set(t, "rps", res.RPS)
	set(t, "bytes_out", float64(res.BytesOut))
	set(t, "bytes_in", float64(res.BytesIn))
	set(t, "reconnects", float64(res.Reconnects))
	kinds := L.NewTable()
	for k, n := range res.ByKind {
		set(kinds, k, float64(n))
	}
	t.RawSetString("errors_by_kind", kinds)
	lat := L.NewTable()
	l := res.Latency
	for _, kv := range []struct {
		k string
		v float64
	}{{"min", l.Min}, {"mean", l.Mean}, {"stddev", l.StdDev}, {"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"p99_9", l.P999}, {"max", l.Max}} {
		set(lat, kv.k, kv.v)
	}
	t.RawSetString("latency_us", lat)
	hist := L.NewTable()
	for _, b := range res.Buckets {
		bt := L.NewTable()
		set(bt, "le_us", b.UpTo)
		set(bt, "count", float64(b.Count))
		hist.Append(bt)
	}
	t.RawSetString("histogram", hist)
	return t
}
