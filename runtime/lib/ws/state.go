// Package ws holds netplay's WebSocket client logic: the robust client's
// state machine, reconnect backoff, heartbeat, RTT statistics and send
// queue, driven by an injected clock so that every rule can be tested
// without sockets. The frame codec is codecs/ws; the Lua module binds both.
package ws

import "fmt"

// State is a robust client's state. The zero value is Disconnected.
type State uint8

// The states, in the order a client usually meets them.
const (
	// Disconnected: created, not dialed yet.
	Disconnected State = iota
	// Connecting: dialing TCP and doing the opening handshake.
	Connecting
	// Connected: the handshake is done; messages flow.
	Connected
	// Reconnecting: the conn was lost (or never made); waiting out the
	// backoff delay before the next dial.
	Reconnecting
	// Closed: terminal. Reached by close(), by the ctx ending or when the
	// retries run out; nothing leaves it.
	Closed
)

var stateNames = [...]string{"disconnected", "connecting", "connected", "reconnecting", "closed"}

// String returns the state's Lua name: "disconnected", "connecting", …
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// transitions lists, for each state, the states it may move to. Everything
// else is illegal and refused by [Machine.To]:
//
//	disconnected → connecting    dial
//	connecting   → connected     handshake done
//	connecting   → reconnecting  dial, handshake or connect timeout failed
//	connected    → reconnecting  conn lost, server closed, heartbeat dead
//	reconnecting → connecting    backoff delay over
//	any but closed → closed      close(), ctx done, retries exhausted
var transitions = [...][]State{
	Disconnected: {Connecting, Closed},
	Connecting:   {Connected, Reconnecting, Closed},
	Connected:    {Reconnecting, Closed},
	Reconnecting: {Connecting, Closed},
	Closed:       nil,
}

// Legal reports whether from → to is a transition of the state machine.
func Legal(from, to State) bool {
	if int(from) >= len(transitions) {
		return false
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Machine holds a state and moves it only along legal transitions. The
// zero value is in Disconnected.
type Machine struct {
	state State
}

// State returns the current state.
func (m *Machine) State() State { return m.state }

// To moves to state to, or returns an error naming the illegal transition
// and leaves the state unchanged.
func (m *Machine) To(to State) error {
	if !Legal(m.state, to) {
		return fmt.Errorf("ws: illegal state transition %s → %s", m.state, to)
	}
	m.state = to
	return nil
}
