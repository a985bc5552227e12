package tap

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"sync"
)

// linktypeRaw is pcap's LINKTYPE_RAW: each packet starts with an IPv4 or
// IPv6 header, so no link layer has to be invented.
const linktypeRaw = 101

// maxSegment is the most payload one synthesized packet carries; larger
// chunks become several packets, as they would on a real link.
const maxSegment = 65000

// PcapWriter writes Events as a classic pcap file (microsecond
// timestamps) of synthesized IPv4/IPv6 packets: TCP conns as TCP segments
// with consistent sequence numbers (a handshake when a conn is first seen,
// FIN when Close is called), UDP conns as datagrams, Unix conns as TCP
// between 127.0.0.1:1 and 127.0.0.2:<conn id>. tshark's "follow tcp
// stream" then shows what the conn carried. Safe for concurrent use; the
// zero value is not usable, call NewPcapWriter.
type PcapWriter struct {
	mu    sync.Mutex
	w     io.Writer
	flows map[uint64]*flow
	buf   []byte
}

// flow is one conn's sequence numbers: next byte netplay sends (seqOut)
// and next byte the peer sends (seqIn).
type flow struct {
	local, remote netip.AddrPort
	seqIn, seqOut uint32
	tcp           bool
}

// NewPcapWriter writes the pcap file header to w.
func NewPcapWriter(w io.Writer) (*PcapWriter, error) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144) // snaplen
	binary.LittleEndian.PutUint32(h[20:], linktypeRaw)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap: write header: %w", err)
	}
	return &PcapWriter{w: w, flows: make(map[uint64]*flow)}, nil
}

// Write appends ev's bytes as one or more packets.
func (p *PcapWriter) Write(ev Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.flows[ev.ConnID]
	if f == nil {
		f = newFlow(ev)
		p.flows[ev.ConnID] = f
		if f.tcp {
			// SYN from the peer for accepted and dialed conns alike: the
			// direction of the handshake is not known here and tshark only
			// needs it to start relative sequence numbers at 1.
			ev0 := ev
			ev0.Data = nil
			if err := p.segment(ev0, f, f.remote, f.local, f.seqIn-1, 0, flagSYN); err != nil {
				return err
			}
			if err := p.segment(ev0, f, f.local, f.remote, f.seqOut-1, f.seqIn, flagSYN|flagACK); err != nil {
				return err
			}
		}
	}
	data := ev.Data
	for first := true; first || len(data) > 0; first = false {
		n := min(len(data), maxSegment)
		chunk := ev
		chunk.Data = data[:n]
		data = data[n:]
		var err error
		switch {
		case !f.tcp:
			src, dst := f.remote, f.local
			if ev.Dir == Out {
				src, dst = dst, src
			}
			err = p.datagram(chunk, src, dst)
		case ev.Dir == In:
			err = p.segment(chunk, f, f.remote, f.local, f.seqIn, f.seqOut, flagPSH|flagACK)
			f.seqIn += uint32(n)
		default:
			err = p.segment(chunk, f, f.local, f.remote, f.seqOut, f.seqIn, flagPSH|flagACK)
			f.seqOut += uint32(n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Close writes a FIN from netplay's side of conn id (when it was seen and
// is TCP) and forgets the conn.
func (p *PcapWriter) Close(ev Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.flows[ev.ConnID]
	if f == nil {
		return nil
	}
	delete(p.flows, ev.ConnID)
	if !f.tcp {
		return nil
	}
	ev.Data = nil
	return p.segment(ev, f, f.local, f.remote, f.seqOut, f.seqIn, flagFIN|flagACK)
}

func newFlow(ev Event) *flow {
	f := &flow{local: ev.Local, remote: ev.Remote, tcp: ev.Network != "udp", seqIn: 1, seqOut: 1}
	if !f.local.IsValid() || !f.remote.IsValid() { // unix conns
		f.local = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 1)
		f.remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 2}), uint16(ev.ConnID%64511+1024))
	}
	l, r := f.local.Addr().Unmap(), f.remote.Addr().Unmap()
	if l.Is4() != r.Is4() { // one side v4, the other v6: write both as v6
		l, r = netip.AddrFrom16(l.As16()), netip.AddrFrom16(r.As16())
	}
	f.local = netip.AddrPortFrom(l, f.local.Port())
	f.remote = netip.AddrPortFrom(r, f.remote.Port())
	return f
}

const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagPSH = 0x08
	flagACK = 0x10
)

func (p *PcapWriter) segment(ev Event, f *flow, src, dst netip.AddrPort, seq, ack uint32, flags byte) error {
	var h [20]byte
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint32(h[4:], seq)
	if flags&flagACK != 0 {
		binary.BigEndian.PutUint32(h[8:], ack)
	}
	h[12] = 5 << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 65535)
	return p.packet(ev, 6, src.Addr(), dst.Addr(), h[:], 16)
}

func (p *PcapWriter) datagram(ev Event, src, dst netip.AddrPort) error {
	var h [8]byte
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(ev.Data)))
	return p.packet(ev, 17, src.Addr(), dst.Addr(), h[:], 6)
}

// packet writes one record: IP header, the transport header l4 (whose
// checksum field sits at csumAt) and ev.Data.
func (p *PcapWriter) packet(ev Event, proto byte, src, dst netip.Addr, l4 []byte, csumAt int) error {
	b := p.buf[:0]
	l4len := len(l4) + len(ev.Data)
	if src.Is4() {
		ip := [20]byte{0: 0x45, 6: 0x40, 8: 64, 9: proto}
		binary.BigEndian.PutUint16(ip[2:], uint16(20+l4len))
		s, d := src.As4(), dst.As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
		binary.BigEndian.PutUint16(ip[10:], ^fold(sum(0, ip[:])))
		b = append(b, ip[:]...)
	} else {
		ip := [40]byte{0: 0x60, 6: proto, 7: 64}
		binary.BigEndian.PutUint16(ip[4:], uint16(l4len))
		s, d := src.As16(), dst.As16()
		copy(ip[8:], s[:])
		copy(ip[24:], d[:])
		b = append(b, ip[:]...)
	}
	start := len(b)
	b = append(b, l4...)
	b = append(b, ev.Data...)
	// Transport checksum over the pseudo-header and the segment.
	s := sum(0, src.AsSlice())
	s = sum(s, dst.AsSlice())
	s += uint32(proto) + uint32(l4len)
	s = sum(s, b[start:])
	c := ^fold(s)
	if c == 0 && proto == 17 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(b[start+csumAt:], c)

	var rec [16]byte
	t := ev.Time
	binary.LittleEndian.PutUint32(rec[0:], uint32(t.Unix()))
	binary.LittleEndian.PutUint32(rec[4:], uint32(t.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(b)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(len(b)))
	p.buf = b
	if _, err := p.w.Write(rec[:]); err != nil {
		return fmt.Errorf("pcap: write: %w", err)
	}
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("pcap: write: %w", err)
	}
	return nil
}

// sum adds b as big-endian 16-bit words to s (the Internet checksum's
// one's-complement sum, folded later).
func sum(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
