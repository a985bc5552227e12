package ws

import (
	"encoding/binary"
	"fmt"
)

// Close status codes (RFC 6455 section 7.4.1 and the IANA registry).
const (
	CloseNormal            = 1000
	CloseGoingAway         = 1001
	CloseProtocolError     = 1002
	CloseUnsupportedData   = 1003
	CloseNoStatus          = 1005 // never sent: a close frame without a code
	CloseAbnormal          = 1006 // never sent: the TCP conn ended without a close frame
	CloseInvalidPayload    = 1007
	ClosePolicyViolation   = 1008
	CloseMessageTooBig     = 1009
	CloseMandatoryExt      = 1010
	CloseInternalError     = 1011
	CloseServiceRestart    = 1012
	CloseTryAgainLater     = 1013
	CloseBadGateway        = 1014
	CloseTLSHandshake      = 1015 // never sent
	MaxCloseReason         = MaxControlPayload - 2
	closeFirstPrivate      = 3000
	closeLastAllowedOnWire = 4999
)

// ValidCloseCode reports whether code may appear in a close frame on the
// wire: 1000-1003, 1007-1014 and 3000-4999. 1004 is reserved, 1005, 1006 and
// 1015 are for reports only, 1016-2999 are unassigned and everything else is
// out of range; a peer that sends one of those fails with 1002.
func ValidCloseCode(code int) bool {
	switch {
	case code >= CloseNormal && code <= CloseUnsupportedData:
		return true
	case code >= CloseInvalidPayload && code <= CloseBadGateway:
		return true
	case code >= closeFirstPrivate && code <= closeLastAllowedOnWire:
		return true
	}
	return false
}

// CloseError is the error a [Conn] fails with: the close code to send to
// the peer and why. Error() reads "ws: 1002 protocol error: reserved opcode 3".
type CloseError struct {
	Code   int    // CloseProtocolError, CloseInvalidPayload or CloseMessageTooBig
	Reason string // a short reason, at most MaxCloseReason bytes, safe to send
}

// Error returns "ws: <code> <name>: <reason>".
func (e *CloseError) Error() string {
	return fmt.Sprintf("ws: %d %s: %s", e.Code, CloseText(e.Code), e.Reason)
}

// CloseText names a close code: "normal closure", "protocol error", …
func CloseText(code int) string {
	switch code {
	case CloseNormal:
		return "normal closure"
	case CloseGoingAway:
		return "going away"
	case CloseProtocolError:
		return "protocol error"
	case CloseUnsupportedData:
		return "unsupported data"
	case CloseNoStatus:
		return "no status"
	case CloseAbnormal:
		return "abnormal closure"
	case CloseInvalidPayload:
		return "invalid payload"
	case ClosePolicyViolation:
		return "policy violation"
	case CloseMessageTooBig:
		return "message too big"
	case CloseMandatoryExt:
		return "mandatory extension"
	case CloseInternalError:
		return "internal error"
	case CloseServiceRestart:
		return "service restart"
	case CloseTryAgainLater:
		return "try again later"
	case CloseBadGateway:
		return "bad gateway"
	}
	if code >= closeFirstPrivate && code <= closeLastAllowedOnWire {
		return "application code"
	}
	return "invalid code"
}

func protocolErr(format string, args ...any) *CloseError {
	return &CloseError{Code: CloseProtocolError, Reason: clip(fmt.Sprintf(format, args...))}
}

func invalidPayload(format string, args ...any) *CloseError {
	return &CloseError{Code: CloseInvalidPayload, Reason: clip(fmt.Sprintf(format, args...))}
}

func tooBig(size, max int64) *CloseError {
	return &CloseError{Code: CloseMessageTooBig, Reason: clip(fmt.Sprintf("message of %d bytes > max_message %d", size, max))}
}

// clip keeps a reason within what a close frame can carry (our reasons are
// ASCII, so cutting bytes keeps them valid UTF-8).
func clip(s string) string {
	if len(s) > MaxCloseReason {
		return s[:MaxCloseReason]
	}
	return s
}

// ParseClosePayload reads a close frame's payload: empty means
// CloseNoStatus; otherwise a 2-byte code and a UTF-8 reason. A 1-byte
// payload or a code not valid on the wire is a 1002 error, a reason that is
// not UTF-8 a 1007 error.
func ParseClosePayload(p []byte) (code int, reason string, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, "", nil
	case len(p) == 1:
		return 0, "", protocolErr("close payload of 1 byte")
	case len(p) > MaxControlPayload:
		return 0, "", protocolErr("close payload of %d bytes > %d", len(p), MaxControlPayload)
	}
	code = int(binary.BigEndian.Uint16(p))
	if !ValidCloseCode(code) {
		return 0, "", protocolErr("invalid close code %d", code)
	}
	if !ValidUTF8(p[2:]) {
		return 0, "", invalidPayload("close reason is not valid UTF-8")
	}
	return code, string(p[2:]), nil
}

// AppendClosePayload appends a close payload for code and reason to dst.
// Code 0 means an empty payload (the peer reads CloseNoStatus); reason must
// then be empty.
// A code not valid on the wire, a reason over MaxCloseReason bytes or not
// valid UTF-8 is an error and dst is returned unchanged.
func AppendClosePayload(dst []byte, code int, reason string) ([]byte, error) {
	if code == 0 {
		if reason != "" {
			return dst, fmt.Errorf("ws: close: a reason needs a code")
		}
		return dst, nil
	}
	if !ValidCloseCode(code) {
		return dst, fmt.Errorf("ws: close: code %d may not be sent (1000-1003, 1007-1014, 3000-4999)", code)
	}
	if len(reason) > MaxCloseReason {
		return dst, fmt.Errorf("ws: close: reason of %d bytes > %d", len(reason), MaxCloseReason)
	}
	if !ValidUTF8([]byte(reason)) {
		return dst, fmt.Errorf("ws: close: reason is not valid UTF-8")
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...), nil
}
