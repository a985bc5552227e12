package tap

import (
	"fmt"
	"io"
	"sync"
)

// Options says where a Tap's events go and which conns it watches. The
// zero value watches every conn and writes nowhere.
type Options struct {
	Conns []uint64  // conn ids to watch; empty: all conns the tap is attached to
	Text  io.Writer // one Line per event, followed by a Hexdump unless the chunk is text and Hex is false
	Hex   bool      // hexdump text chunks too
	Pcap  io.Writer // a pcap file (see PcapWriter); closed by Close if it is an io.Closer
}

// Tap fans Events out to a text writer and a pcap file. Emit is safe for
// concurrent use (loops call it for their own conns); a stopped Tap drops
// events.
type Tap struct {
	mu      sync.Mutex
	conns   map[uint64]bool
	text    io.Writer
	hex     bool
	pcap    *PcapWriter
	pcapOut io.Writer
	stopped bool
	events  uint64
	ws      map[uint64]*wsStream // conns the tap saw switch to WebSocket (describe.go)
	err     error                // the first write error; the sink that failed is dropped
}

// New starts a tap. It fails only when the pcap header cannot be written.
func New(o Options) (*Tap, error) {
	t := &Tap{text: o.Text, hex: o.Hex, pcapOut: o.Pcap}
	if len(o.Conns) > 0 {
		t.conns = make(map[uint64]bool, len(o.Conns))
		for _, id := range o.Conns {
			t.conns[id] = true
		}
	}
	if o.Pcap != nil {
		p, err := NewPcapWriter(o.Pcap)
		if err != nil {
			return nil, err
		}
		t.pcap = p
	}
	return t, nil
}

// Watches reports whether events of conn id reach the sinks.
func (t *Tap) Watches(id uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.stopped && (t.conns == nil || t.conns[id])
}

// Emit hands ev to the sinks. ev.Data is not kept.
func (t *Tap) Emit(ev Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped || t.conns != nil && !t.conns[ev.ConnID] {
		return
	}
	t.events++
	t.describe(&ev)
	if t.text != nil {
		s := Line(ev) + "\n"
		if len(ev.Data) > 0 && (t.hex || !isText(ev.Data)) {
			s += Hexdump(ev.Data)
		}
		if _, err := io.WriteString(t.text, s); err != nil {
			t.fail(err)
			t.text = nil
		}
	}
	if t.pcap != nil {
		if err := t.pcap.Write(ev); err != nil {
			t.fail(err)
			t.pcap = nil
		}
	}
}

// ConnClosed marks the end of conn ev.ConnID (a FIN in the pcap file).
func (t *Tap) ConnClosed(ev Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.ws, ev.ConnID)
	if t.stopped || t.pcap == nil || t.conns != nil && !t.conns[ev.ConnID] {
		return
	}
	if err := t.pcap.Close(ev); err != nil {
		t.fail(err)
		t.pcap = nil
	}
}

// Events returns how many events reached the sinks.
func (t *Tap) Events() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.events
}

// Stop ends the tap and closes the pcap writer's file if it is a Closer.
// It returns the first error a sink hit, if any. Stopping twice is a no-op.
func (t *Tap) Stop() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return nil
	}
	t.stopped = true
	if c, ok := t.pcapOut.(io.Closer); ok {
		if err := c.Close(); err != nil && t.err == nil {
			t.err = err
		}
	}
	return t.err
}

func (t *Tap) fail(err error) {
	if t.err == nil {
		t.err = fmt.Errorf("tap: %w", err)
	}
}
