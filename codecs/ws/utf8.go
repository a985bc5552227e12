package ws

import "encoding/binary"

// utf8State is an incremental UTF-8 validator's state, so that a text
// message split over fragments (or a frame arriving in pieces) is checked as
// each piece arrives and fails at the first bad byte. The zero value is the
// state between characters.
//
// The states follow the well-formed byte sequences of Unicode's table 3-7:
// after a lead byte the next byte's allowed range depends on the lead (E0
// needs A0-BF so nothing is overlong, ED needs 80-9F so no surrogate, F0
// needs 90-BF, F4 needs 80-8F so nothing passes U+10FFFF); later
// continuation bytes are always 80-BF.
type utf8State uint8

const (
	uAccept utf8State = iota // between characters
	uTail1                   // one 80-BF byte to go
	uTail2                   // two 80-BF bytes to go
	uTail3                   // three 80-BF bytes to go
	uE0                      // after E0: A0-BF, then one more
	uED                      // after ED: 80-9F, then one more
	uF0                      // after F0: 90-BF, then two more
	uF4                      // after F4: 80-8F, then two more
	uReject                  // an invalid byte was seen; stays here
)

// step advances s by one byte.
func (s utf8State) step(b byte) utf8State {
	switch s {
	case uAccept:
		switch {
		case b < 0x80:
			return uAccept
		case b >= 0xC2 && b <= 0xDF:
			return uTail1
		case b == 0xE0:
			return uE0
		case b == 0xED:
			return uED
		case b >= 0xE1 && b <= 0xEF:
			return uTail2
		case b == 0xF0:
			return uF0
		case b >= 0xF1 && b <= 0xF3:
			return uTail3
		case b == 0xF4:
			return uF4
		}
		return uReject // 80-C1 (continuation or overlong lead), F5-FF
	case uTail1, uTail2, uTail3:
		if b&0xC0 == 0x80 {
			return s - 1
		}
	case uE0:
		if b >= 0xA0 && b <= 0xBF {
			return uTail1
		}
	case uED:
		if b >= 0x80 && b <= 0x9F {
			return uTail1
		}
	case uF0:
		if b >= 0x90 && b <= 0xBF {
			return uTail2
		}
	case uF4:
		if b >= 0x80 && b <= 0x8F {
			return uTail2
		}
	}
	return uReject
}

// feed advances s over p, skipping ASCII eight bytes at a time between
// characters. It stops early once s rejects.
func (s utf8State) feed(p []byte) utf8State {
	i := 0
	for i < len(p) {
		if s == uAccept {
			for i+8 <= len(p) && binary.LittleEndian.Uint64(p[i:])&0x8080808080808080 == 0 {
				i += 8
			}
			if i == len(p) {
				break
			}
		}
		s = s.step(p[i])
		if s == uReject {
			return s
		}
		i++
	}
	return s
}

// ValidUTF8 reports whether p is well-formed UTF-8 as RFC 6455 requires of
// text messages and close reasons (no surrogates, nothing past U+10FFFF,
// no overlong forms; noncharacters such as U+FFFF are valid).
func ValidUTF8(p []byte) bool { return uAccept.feed(p) == uAccept }
