//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

// Package sock creates, accepts, connects and configures the reactor's
// non-blocking sockets and does its raw reads and writes. sock_linux.go
// and sock_bsd.go are twins with the same names (Accept, Read, Write,
// Writev and the unexported socket and setKeepAlivePeriod); the rest is
// shared by every Unix. Errors name the system call.
package sock

import (
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// resolveSockaddr resolves a network/address pair from reactor.ParseURL into a
// socket domain, type and sockaddr.
func resolveSockaddr(network, address string) (domain, typ int, sa unix.Sockaddr, err error) {
	switch network {
	case "unix":
		return unix.AF_UNIX, unix.SOCK_STREAM, &unix.SockaddrUnix{Name: address}, nil
	case "tcp", "tcp4", "tcp6":
		a, err := net.ResolveTCPAddr(network, address)
		if err != nil {
			return 0, 0, nil, err
		}
		domain, sa, err = ipSockaddr(network, a.IP, a.Port, a.Zone)
		return domain, unix.SOCK_STREAM, sa, err
	case "udp", "udp4", "udp6":
		a, err := net.ResolveUDPAddr(network, address)
		if err != nil {
			return 0, 0, nil, err
		}
		domain, sa, err = ipSockaddr(network, a.IP, a.Port, a.Zone)
		return domain, unix.SOCK_DGRAM, sa, err
	}
	return 0, 0, nil, net.UnknownNetworkError(network)
}

func ipSockaddr(network string, ip net.IP, port int, zone string) (int, unix.Sockaddr, error) {
	if ip == nil {
		ip = net.IPv4zero
	}
	if v4 := ip.To4(); v4 != nil && network[len(network)-1] != '6' {
		sa := &unix.SockaddrInet4{Port: port}
		copy(sa.Addr[:], v4)
		return unix.AF_INET, sa, nil
	}
	if network[len(network)-1] == '4' {
		return 0, nil, &net.AddrError{Err: "not an IPv4 address", Addr: ip.String()}
	}
	sa := &unix.SockaddrInet6{Port: port}
	copy(sa.Addr[:], ip.To16())
	if zone != "" {
		if ifi, err := net.InterfaceByName(zone); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return unix.AF_INET6, sa, nil
}

// SockaddrToAddr converts a kernel sockaddr into the net.Addr of network.
func SockaddrToAddr(network string, sa unix.Sockaddr) net.Addr {
	var ip net.IP
	var port int
	var zone string
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		ip, port = net.IPv4(a.Addr[0], a.Addr[1], a.Addr[2], a.Addr[3]), a.Port
	case *unix.SockaddrInet6:
		ip, port = append(net.IP(nil), a.Addr[:]...), a.Port
		if a.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				zone = ifi.Name
			}
		}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	default:
		if network == "unix" {
			return &net.UnixAddr{Net: "unix"}
		}
		return nil
	}
	if network[0] == 'u' {
		return &net.UDPAddr{IP: ip, Port: port, Zone: zone}
	}
	return &net.TCPAddr{IP: ip, Port: port, Zone: zone}
}

// newSocket creates a non-blocking, close-on-exec socket.
func newSocket(domain, typ int) (int, error) {
	fd, err := socket(domain, typ)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// Listen creates, binds and (for streams) listens on a socket.
func Listen(network, address string, reusePort bool) (int, net.Addr, error) {
	domain, typ, sa, err := resolveSockaddr(network, address)
	if err != nil {
		return -1, nil, err
	}
	fd, err := newSocket(domain, typ)
	if err != nil {
		return -1, nil, err
	}
	fail := func(op string, err error) (int, net.Addr, error) {
		unix.Close(fd)
		return -1, nil, os.NewSyscallError(op, err)
	}
	if domain != unix.AF_UNIX {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt SO_REUSEADDR", err)
		}
		if reusePort {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				return fail("setsockopt SO_REUSEPORT", err)
			}
		}
		if domain == unix.AF_INET6 && (network == "tcp6" || network == "udp6") {
			unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if typ == unix.SOCK_STREAM {
		if err := unix.Listen(fd, listenBacklog); err != nil {
			return fail("listen", err)
		}
	}
	lsa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, SockaddrToAddr(network, lsa), nil
}

const listenBacklog = 4096

// Dial starts a non-blocking connect. connected reports that it
// completed at once (common for Unix sockets and UDP).
func Dial(network, address string) (fd int, remote net.Addr, connected bool, err error) {
	domain, typ, sa, err := resolveSockaddr(network, address)
	if err != nil {
		return -1, nil, false, err
	}
	fd, err = newSocket(domain, typ)
	if err != nil {
		return -1, nil, false, err
	}
	remote = SockaddrToAddr(network, sa)
	for {
		err = unix.Connect(fd, sa)
		if err != unix.EINTR {
			break
		}
	}
	switch err {
	case nil:
		return fd, remote, true, nil
	case unix.EINPROGRESS, unix.EALREADY, unix.EAGAIN:
		return fd, remote, false, nil
	}
	unix.Close(fd)
	return -1, remote, false, os.NewSyscallError("connect", err)
}

// ConnectError returns the pending SO_ERROR of fd, nil if none.
func ConnectError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	if v != 0 {
		return os.NewSyscallError("connect", syscall.Errno(v))
	}
	return nil
}

// SetOptions sets TCP_NODELAY (when noDelay) and, for a positive
// keepAlive, SO_KEEPALIVE with that idle time and interval (rounded up to
// whole seconds) on a TCP socket.
func SetOptions(fd int, noDelay bool, keepAlive time.Duration) error {
	if noDelay {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return os.NewSyscallError("setsockopt TCP_NODELAY", err)
		}
	}
	if keepAlive > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1); err != nil {
			return os.NewSyscallError("setsockopt SO_KEEPALIVE", err)
		}
		secs := int((keepAlive + time.Second - 1) / time.Second)
		if err := setKeepAlivePeriod(fd, secs); err != nil {
			return err
		}
	}
	return nil
}

// LocalAddr returns the bound address of fd.
func LocalAddr(network string, fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	return SockaddrToAddr(network, sa)
}
