package reactor

import (
	"fmt"
	"net"
	"sync/atomic"
)

// LoadBalancing selects the loop a newly accepted conn joins. It applies to
// listeners without ReusePort; with ReusePort the kernel spreads conns over
// the loops' own listening sockets.
type LoadBalancing int

const (
	// RoundRobin hands the k-th accepted conn of a listener to loop k mod N,
	// where N is the number of loops the listener uses (in index order).
	RoundRobin LoadBalancing = iota
	// LeastConnections hands a conn to the listener loop holding the fewest
	// conns at that moment (all conns of the loop, counted from the moment the
	// acceptor hands a conn over); ties go to the lowest loop index.
	LeastConnections
	// SourceAddrHash hands a conn to loop FNV-1a-32(IP) mod N, where IP is the
	// peer's IP address in its 4-byte (IPv4) or 16-byte (IPv6) form; the port
	// is ignored, so every conn from one host lands on the same loop. Unix
	// socket peers have no IP and all go to the first loop.
	SourceAddrHash
)

// String returns the name ParseLoadBalancing accepts.
func (lb LoadBalancing) String() string {
	switch lb {
	case RoundRobin:
		return "round_robin"
	case LeastConnections:
		return "least_connections"
	case SourceAddrHash:
		return "source_addr_hash"
	}
	return fmt.Sprintf("LoadBalancing(%d)", int(lb))
}

// ParseLoadBalancing parses "round_robin", "least_connections" or
// "source_addr_hash"; the empty string means RoundRobin.
func ParseLoadBalancing(s string) (LoadBalancing, error) {
	switch s {
	case "", "round_robin":
		return RoundRobin, nil
	case "least_connections":
		return LeastConnections, nil
	case "source_addr_hash":
		return SourceAddrHash, nil
	}
	return 0, fmt.Errorf("reactor: unknown load balancing %q (want round_robin, least_connections or source_addr_hash)", s)
}

// balancer picks a loop for each accepted conn; it runs on the acceptor
// goroutine only, except next, which is atomic so dials may share it.
type balancer struct {
	policy LoadBalancing
	loops  []*Loop
	next   atomic.Uint64
}

func (b *balancer) pick(ip net.IP) *Loop {
	n := len(b.loops)
	if n == 1 {
		return b.loops[0]
	}
	switch b.policy {
	case LeastConnections:
		best := b.loops[0]
		for _, l := range b.loops[1:] {
			if l.nconns.Load() < best.nconns.Load() {
				best = l
			}
		}
		return best
	case SourceAddrHash:
		return b.loops[sourceHash(ip)%uint32(n)]
	}
	return b.loops[(b.next.Add(1)-1)%uint64(n)]
}

// sourceHash is FNV-1a-32 over the IP's 4- or 16-byte form; nil hashes to 0.
func sourceHash(ip net.IP) uint32 {
	if ip == nil {
		return 0
	}
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	h := uint32(2166136261)
	for _, b := range ip {
		h ^= uint32(b)
		h *= 16777619
	}
	return h
}

// addrIP returns the IP of a TCP or UDP address, nil otherwise.
func addrIP(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP
	case *net.UDPAddr:
		return a.IP
	}
	return nil
}
