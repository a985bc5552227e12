package inflow

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/host"
)

// fakeConn records the last Pause or Resume.
type fakeConn struct{ paused bool }

func (f *fakeConn) Pause() error  { f.paused = true; return nil }
func (f *fakeConn) Resume() error { f.paused = false; return nil }

func newConn(vm *VM) (*Conn, *fakeConn) {
	f := &fakeConn{}
	c := &Conn{}
	c.Init(vm, f)
	return c, f
}

// A conn pauses at its byte or message limit and resumes only once below
// half of both; the VM's counters follow.
func TestConnLimits(t *testing.T) {
	vm := &VM{c: &host.Counters{}}
	c, f := newConn(vm)
	c.Add(MaxConnBytes-1, 1)
	if f.paused {
		t.Fatal("paused under the limit")
	}
	c.Add(1, 0)
	if !f.paused {
		t.Fatal("not paused at the byte limit")
	}
	c.Add(-MaxConnBytes/4, 0)
	if !f.paused {
		t.Fatal("resumed above half")
	}
	c.Add(-MaxConnBytes/2, 0)
	if f.paused {
		t.Fatal("still paused below half")
	}
	c.Add(0, MaxConnMsgs)
	if !f.paused {
		t.Fatal("not paused at the message limit")
	}
	c.Add(-c.Bytes(), -c.Msgs())
	if f.paused || vm.c.Queued.Load() != 0 || vm.c.QueuedMsgs.Load() != 0 {
		t.Fatalf("after taking everything: paused %v, VM %d bytes %d msgs", f.paused, vm.c.Queued.Load(), vm.c.QueuedMsgs.Load())
	}
	if p := vm.c.QueuedPeak.Load(); p != MaxConnBytes {
		t.Fatalf("peak %d, want %d", p, MaxConnBytes)
	}
}

// Past the VM's total every conn that adds pauses, even under its own
// limit; another conn going down resumes them once the total is below half.
func TestVMLimit(t *testing.T) {
	vm := &VM{c: &host.Counters{}}
	var conns []*Conn
	var fakes []*fakeConn
	for range MaxVMBytes / (MaxConnBytes / 4) {
		c, f := newConn(vm)
		c.Add(MaxConnBytes/4, 1) // each far under its own limit
		conns, fakes = append(conns, c), append(fakes, f)
	}
	if !fakes[len(fakes)-1].paused {
		t.Fatal("the conn that reached the VM's total did not pause")
	}
	small, sf := newConn(vm)
	small.Add(1, 1)
	if !sf.paused {
		t.Fatal("a conn adding past the VM's total did not pause")
	}
	for i := 0; vm.c.Queued.Load() >= MaxVMBytes/2; i++ {
		conns[i].Add(-conns[i].Bytes(), -conns[i].Msgs())
	}
	if sf.paused || fakes[len(fakes)-1].paused {
		t.Fatal("paused conns not resumed once the VM fell below half")
	}
}

// Forget drops a closed conn from the paused ones; a zero Conn counts
// nothing.
func TestForgetAndZero(t *testing.T) {
	vm := &VM{c: &host.Counters{}}
	c, _ := newConn(vm)
	c.Add(MaxConnBytes, 1)
	if vm.npaused.Load() != 1 {
		t.Fatal("not in the paused list")
	}
	c.Forget()
	if vm.npaused.Load() != 0 || c.paused {
		t.Fatal("still in the paused list after Forget")
	}
	var z Conn
	z.Add(1<<30, 1<<20)
	z.Forget()
	if z.Bytes() != 0 {
		t.Fatal("a zero Conn counted")
	}
}
