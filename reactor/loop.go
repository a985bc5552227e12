//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

// Loop is one event loop: a goroutine that owns one poller, its conns, a
// shared read buffer, a timer heap and a task queue. On Linux it parks on
// Go's netpoller while idle; on the BSDs it is locked to an OS thread and
// blocks in kevent.
// Methods that say so are safe for concurrent use; everything else about a
// loop's conns happens on the loop goroutine.
type Loop struct {
	idx      int // -1 for the acceptor
	eng      *Engine
	p        *poll.Poller
	buf      []byte            // shared read buffer
	conns    []*Conn           // by fd, loop goroutine only
	socks    map[int]*lnSocket // listening and UDP sockets on this loop
	spareFD  int               // /dev/null, given up to accept-and-close on EMFILE
	onEvent  func(fd int, ev poll.Event)
	nconns   atomic.Int64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	accepted atomic.Uint64

	// Task queue: producers append under mu; the loop swaps the slice out.
	mu          sync.Mutex
	maxTasks    int // bounded posts past this many queued tasks fail with ErrLoopBusy
	tasks       []task
	spare       []task
	exited      bool
	hasTasks    atomic.Bool
	polling     atomic.Bool // the loop may be blocked in the poller
	wakePending atomic.Bool // a wake() is written and not yet consumed

	timers timerHeap
	firing []*Timer

	dirty  []*Conn // conns to flush / close after this round
	dones  []doneCall
	wbufs  [][]byte
	iov    []unix.Iovec
	exit   bool
	doneCh chan struct{}

	regMu sync.Mutex
	reg   map[*Conn]struct{} // open conns, for snapshots from any goroutine
}

type taskKind uint8

const (
	taskFunc taskKind = iota
	taskWrite
	taskWritev
	taskWake
	taskClose
	taskCloseErr
	taskAbort
	taskResume
)

// task is one unit of cross-goroutine work; a value type so AsyncWrite does
// not allocate a closure.
type task struct {
	kind taskKind
	c    *Conn
	fn   func()
	data []byte
	bufs [][]byte
	done func(*Conn, error)
	err  error
	size int // bytes of data or bufs, counted in the conn's asyncPending
}

type doneCall struct {
	c    *Conn
	done func(*Conn, error)
	err  error // set when the task itself failed
}

func newLoop(e *Engine, idx int, p *poll.Poller, bufSize int) *Loop {
	l := &Loop{
		idx:      idx,
		eng:      e,
		p:        p,
		socks:    make(map[int]*lnSocket),
		spareFD:  -1,
		iov:      make([]unix.Iovec, 0, maxIovecs),
		maxTasks: e.opts.MaxTasks,
		doneCh:   make(chan struct{}),
		reg:      make(map[*Conn]struct{}),
	}
	if bufSize > 0 {
		l.buf = make([]byte, bufSize)
	}
	l.onEvent = l.event
	return l
}

const maxIovecs = 1024

// Index returns the loop's position in Engine.Loops. Safe for concurrent use.
func (l *Loop) Index() int { return l.idx }

// NumConns returns the number of conns the loop owns, counting conns the
// acceptor is handing over. Safe for concurrent use.
func (l *Loop) NumConns() int { return int(l.nconns.Load()) }

// Execute runs fn on the loop goroutine, after the events and tasks already
// queued. It returns ErrClosed if the loop has exited and ErrLoopBusy if
// Options.MaxTasks tasks are queued already (fn is then not run). Safe for
// concurrent use; fn must not block.
func (l *Loop) Execute(fn func()) error {
	return l.post(task{kind: taskFunc, fn: fn}, true)
}

// ExecuteUnbounded is Execute without the MaxTasks bound, for work whose
// amount the caller bounds itself (the runtime's one resume per waiting
// coroutine): refusing it would lose a wake-up, not shed load. It returns
// ErrClosed if the loop has exited.
func (l *Loop) ExecuteUnbounded(fn func()) error {
	return l.post(task{kind: taskFunc, fn: fn}, false)
}

// do is Execute for the reactor's own work (hand-overs, closes, stops),
// which must not be refused for a full queue: it is bounded by the conns
// and listeners themselves.
func (l *Loop) do(fn func()) error {
	return l.post(task{kind: taskFunc, fn: fn}, false)
}

// post queues t and wakes the loop if it may be sleeping. A bounded post
// fails with ErrLoopBusy when maxTasks tasks are queued.
func (l *Loop) post(t task, bounded bool) error {
	l.mu.Lock()
	if l.exited {
		l.mu.Unlock()
		return ErrClosed
	}
	if bounded && len(l.tasks) >= l.maxTasks {
		l.mu.Unlock()
		return ErrLoopBusy
	}
	l.tasks = append(l.tasks, t)
	l.hasTasks.Store(true)
	l.mu.Unlock()
	l.wakeIfPolling()
	return nil
}

// wakeIfPolling writes the wake fd only when the loop may be blocked and no
// wake is already pending, so floods of async work cost one syscall.
func (l *Loop) wakeIfPolling() {
	if l.polling.Load() && l.wakePending.CompareAndSwap(false, true) {
		if err := l.p.Wake(); err != nil {
			l.eng.logf("reactor: loop %d: %v", l.idx, err)
		}
	}
}

// run is the loop goroutine.
func (l *Loop) run() {
	if poll.LockThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	defer close(l.doneCh)
	for !l.exit {
		l.polling.Store(true)
		timeout := l.timers.timeout(l.eng.now())
		if l.hasTasks.Load() {
			timeout = 0
		}
		woke, err := l.p.Wait(timeout, l.onEvent)
		l.polling.Store(false)
		if woke {
			l.wakePending.Store(false)
		}
		if err != nil {
			l.eng.logf("reactor: loop %d: %v", l.idx, err)
		}
		l.runTimers()
		l.runTasks()
		l.finishRound()
	}
	l.shutdown()
}

// runTasks runs every task queued so far.
func (l *Loop) runTasks() {
	if !l.hasTasks.Load() {
		return
	}
	l.mu.Lock()
	tasks := l.tasks
	l.tasks = l.spare[:0]
	l.hasTasks.Store(false)
	l.mu.Unlock()
	for i := range tasks {
		l.runTask(&tasks[i])
		tasks[i] = task{}
	}
	l.spare = tasks[:0]
}

func (l *Loop) runTask(t *task) {
	c := t.c
	switch t.kind {
	case taskFunc:
		l.safeCall("Execute", t.fn)
		return
	}
	if t.size > 0 {
		// The bytes move from in flight to queued: enqueue counts them in
		// outLen and checks outLen plus what is still in flight.
		c.asyncPending.Add(-int64(t.size))
	}
	if c.closed {
		if t.done != nil {
			l.dones = append(l.dones, doneCall{c: c, done: t.done, err: ErrClosed})
		}
		return
	}
	var err error
	switch t.kind {
	case taskWrite:
		err = c.queueAsync(t.data, nil)
	case taskWritev:
		err = c.queueAsync(nil, t.bufs)
	case taskWake:
		c.wakeTraffic()
	case taskClose:
		l.closeGracefully(c, nil)
	case taskCloseErr:
		l.closeNow(c, t.err)
	case taskAbort:
		if !c.udp && c.network != "unix" {
			// best effort: without it the peer sees a FIN instead of a reset
			_ = unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
		}
		l.closeNow(c, t.err)
	case taskResume:
		c.applyPause(c.pauseReq.Load())
	}
	if t.done != nil {
		l.dones = append(l.dones, doneCall{c: c, done: t.done, err: err})
	}
}

// finishRound flushes conns with queued output, applies pending closes and
// interest changes, then runs completion callbacks.
func (l *Loop) finishRound() {
	for i := 0; i < len(l.dirty); i++ { // closing a conn may dirty others
		c := l.dirty[i]
		l.dirty[i] = nil
		c.dirty = false
		l.settle(c)
	}
	l.dirty = l.dirty[:0]
	for i := range l.dones {
		d := l.dones[i]
		l.dones[i] = doneCall{}
		err := d.err
		if err == nil && d.c.closed && !d.c.udpDatagram {
			err = d.c.closeErrOr(ErrClosed)
		}
		l.safeCall("completion callback", func() { d.done(d.c, err) })
	}
	l.dones = l.dones[:0]
}

func (l *Loop) markDirty(c *Conn) {
	if !c.dirty && !c.closed {
		c.dirty = true
		l.dirty = append(l.dirty, c)
	}
}

// event dispatches one poller event.
func (l *Loop) event(fd int, ev poll.Event) {
	if fd < len(l.conns) {
		if c := l.conns[fd]; c != nil {
			l.connEvent(c, ev)
			return
		}
	}
	if s := l.socks[fd]; s != nil {
		if s.udp {
			l.readUDP(s)
		} else {
			l.accept(s)
		}
	}
}

// safeCall runs fn, logging a recovered panic.
func (l *Loop) safeCall(what string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			l.eng.logf("reactor: loop %d: panic in %s: %v\n%s", l.idx, what, r, debug.Stack())
		}
	}()
	fn()
}

// addConn places c in the fd table.
func (l *Loop) addConn(c *Conn) {
	for c.fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*Conn, len(l.conns)+64)...)
	}
	l.conns[c.fd] = c
}

// publish adds an open conn to the registry that snapshots read; its
// address fields must not change afterwards.
func (l *Loop) publish(c *Conn) {
	l.regMu.Lock()
	l.reg[c] = struct{}{}
	l.regMu.Unlock()
}

func (l *Loop) removeConn(c *Conn) {
	if c.fd < len(l.conns) && l.conns[c.fd] == c {
		l.conns[c.fd] = nil
	}
	l.regMu.Lock()
	delete(l.reg, c)
	l.regMu.Unlock()
}

// snapshot returns ConnInfo for the loop's open conns. Safe for concurrent
// use, also from a loop goroutine.
func (l *Loop) snapshot(dst []ConnInfo, ln *Listener) []ConnInfo {
	l.regMu.Lock()
	defer l.regMu.Unlock()
	for c := range l.reg {
		if ln == nil || c.ln == ln {
			dst = append(dst, c.Info())
		}
	}
	return dst
}

// lookup returns the loop's open conn with id, or nil. Any goroutine.
func (l *Loop) lookup(id uint64) *Conn {
	l.regMu.Lock()
	defer l.regMu.Unlock()
	for c := range l.reg {
		if c.id == id {
			return c
		}
	}
	return nil
}

// forEachConn calls fn for every open conn; loop goroutine only.
func (l *Loop) forEachConn(fn func(c *Conn)) {
	for _, c := range l.conns {
		if c != nil && !c.closed {
			fn(c)
		}
	}
}

// stop asks the loop to exit after the current round.
func (l *Loop) stop() {
	if l.do(func() { l.exit = true }) != nil {
		return
	}
	<-l.doneCh
}

// shutdown runs on the loop goroutine when it exits: it closes what is left.
func (l *Loop) shutdown() {
	l.mu.Lock()
	l.exited = true
	l.mu.Unlock()
	l.forEachConn(func(c *Conn) { l.closeNow(c, ErrEngineStopped) })
	l.runTasks() // tasks queued before exited was set: completions see ErrClosed
	l.finishRound()
	for fd, s := range l.socks {
		l.p.Del(fd, poll.InRead)
		unix.Close(fd)
		delete(l.socks, fd)
		s.closed = true
	}
	if l.spareFD >= 0 {
		unix.Close(l.spareFD)
		l.spareFD = -1
	}
	l.p.Close()
}
