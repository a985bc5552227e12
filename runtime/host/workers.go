package host

import (
	"context"

	lua "github.com/yuin/gopher-lua"
)

// Workers is a Runtime's pool of worker VMs (pool.run). Safe for
// concurrent use.
type Workers interface {
	// Submit queues j; it fails when too many jobs wait already.
	Submit(j *Job) error
	// Stats returns the pool's counters.
	Stats() WorkerStats
}

// Job is a function run on a worker VM: Proto called with Args, values
// already copied for another VM (luautil.CopyValues). Done gets the
// results, copied back, or the error; it runs on the worker's goroutine.
// A Ctx done before the start (or during the run) fails the job with its
// error.
type Job struct {
	Ctx   context.Context
	Proto *lua.FunctionProto
	Args  []lua.LValue
	Done  func(rets []lua.LValue, err error)
}

// WorkerStats are a worker pool's counters.
type WorkerStats struct {
	Workers, Waiting                                 int
	Running, Submitted, Completed, Failed, Cancelled int64
}

// Table returns the counters as the Lua table pool.stats() and stats().pool show.
func (s WorkerStats) Table(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 7)
	t.RawSetString("workers", lua.LNumber(s.Workers))
	t.RawSetString("running", lua.LNumber(s.Running))
	t.RawSetString("waiting", lua.LNumber(s.Waiting))
	t.RawSetString("submitted", lua.LNumber(s.Submitted))
	t.RawSetString("completed", lua.LNumber(s.Completed))
	t.RawSetString("failed", lua.LNumber(s.Failed))
	t.RawSetString("cancelled", lua.LNumber(s.Cancelled))
	return t
}
