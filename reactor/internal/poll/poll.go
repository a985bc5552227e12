// Package poll is the event loop's only contact with the kernel's
// readiness API: epoll on Linux (poll_epoll.go), kqueue on macOS and the
// BSDs (poll_kqueue.go, with wake_kqueue_*.go). Both backends define the
// same names, as twin files:
//
//	LockThread                      // whether a loop locks its OS thread
//	Open() (*Poller, error)
//	(*Poller).Close() error
//	(*Poller).Wake() error          // safe for concurrent use
//	(*Poller).Wait(msec int, fn func(fd int, ev Event)) (woke bool, err error)
//	(*Poller).Add(fd int, in Interest) error
//	(*Poller).Mod(fd int, old, in Interest) error
//	(*Poller).Del(fd int, old Interest) error
//
// Registrations are level-triggered. Wait blocks for at most msec
// milliseconds (-1: no limit), calls fn for every ready fd and reports
// whether a Wake was consumed. Everything but Wake runs on the owning loop
// goroutine. Errors name the system call (os.NewSyscallError).
package poll

// Interest is the set of readiness kinds a registration asks for; the zero
// value asks for none.
type Interest uint8

// Interest bits.
const (
	InRead Interest = 1 << iota
	InWrite
)

// Event is the readiness Wait reports for one fd.
type Event uint8

// Event bits.
const (
	EvRead  Event = 1 << iota // readable (or EOF)
	EvWrite                   // writable
	EvErr                     // error or hang-up; a read or SO_ERROR will tell which
)

// maxEvents is how many ready fds one Wait takes from the kernel.
const maxEvents = 256
