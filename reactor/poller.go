package reactor

// The poller is the loop's only contact with epoll (poller_epoll.go) or
// kqueue (poller_kqueue.go). Both files define the same method set:
//
//	openPoller() (*poller, error)
//	(*poller).close() error
//	(*poller).wake() error                     // safe for concurrent use
//	(*poller).wait(msec int, fn func(fd int, ev pollEvent)) (woke bool, err error)
//	(*poller).add(fd int, in interest) error
//	(*poller).mod(fd int, old, in interest) error
//	(*poller).del(fd int, old interest) error
//
// Registrations are level-triggered. wait blocks for at most msec
// milliseconds (-1: no limit), calls fn for every ready fd and reports
// whether a wake() was consumed. Everything but wake runs on the owning
// loop goroutine.

// interest is the set of readiness kinds a registration asks for.
type interest uint8

const (
	interestRead interest = 1 << iota
	interestWrite
)

// pollEvent is the readiness reported for one fd.
type pollEvent uint8

const (
	evRead  pollEvent = 1 << iota // readable (or EOF)
	evWrite                       // writable
	evErr                         // error or hang-up; a read or SO_ERROR will tell which
)

const maxPollEvents = 256
