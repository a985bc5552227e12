package http

import (
	"sync/atomic"
	"time"
)

// dateCache formats the Date field once a second, not once a response.
type dateCache struct {
	v atomic.Pointer[cachedDate]
}

type cachedDate struct {
	sec int64
	s   string
}

// get returns now in the IMF-fixdate form RFC 9110 asks for.
func (d *dateCache) get(now time.Time) string {
	sec := now.Unix()
	if c := d.v.Load(); c != nil && c.sec == sec {
		return c.s
	}
	s := now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	d.v.Store(&cachedDate{sec: sec, s: s})
	return s
}

var serverDate dateCache
