//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ipLimiter counts a listener's open conns per peer IP for
// ListenConfig.MaxConnsPerIP, so one host holding many conns cannot take
// every slot of the listener. Safe for concurrent use: with ReusePort
// several loops accept at once, and conns close on their own loops.
type ipLimiter struct {
	max      int
	mu       sync.Mutex
	conns    map[netip.Addr]int
	rejected atomic.Uint64
}

func newIPLimiter(max int) *ipLimiter {
	if max <= 0 {
		return nil
	}
	return &ipLimiter{max: max, conns: make(map[netip.Addr]int)}
}

// sockaddrIP returns the IP of an IPv4 or IPv6 sockaddr (IPv4-mapped IPv6
// as IPv4, so one host counts once on a dual-stack socket); the zero Addr
// for anything else.
func sockaddrIP(sa unix.Sockaddr) netip.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).Unmap()
	}
	return netip.Addr{}
}

// acquire counts one more conn from ip and reports whether it is within
// the limit; a nil limiter or a non-IP peer always is.
func (p *ipLimiter) acquire(ip netip.Addr) bool {
	if p == nil || !ip.IsValid() {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[ip] >= p.max {
		p.rejected.Add(1)
		return false
	}
	p.conns[ip]++
	return true
}

// release undoes one successful acquire.
func (p *ipLimiter) release(ip netip.Addr) {
	if p == nil || !ip.IsValid() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.conns[ip] - 1; n > 0 {
		p.conns[ip] = n
	} else {
		delete(p.conns, ip)
	}
}

func (p *ipLimiter) rejectedCount() uint64 {
	if p == nil {
		return 0
	}
	return p.rejected.Load()
}
