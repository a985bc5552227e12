package ws

import (
	"errors"
	"time"
)

// ErrQueueFull is returned by [Client.Send] when the conn is down and the
// send queue holds Queue messages already. Lua sees false, "queue_full".
var ErrQueueFull = errors.New("queue_full")

// Msg is a message waiting in the send queue.
type Msg struct {
	Data   []byte
	Binary bool
	At     time.Time // when it was queued
}

// queue is a bounded FIFO of messages sent while the conn was down. A full
// queue refuses new messages (never a silent drop); messages older than
// maxAge are dropped, and counted, when the queue is drained or pushed to.
type queue struct {
	limit  int
	maxAge time.Duration // 0: no limit
	buf    []Msg         // buf[head:] are waiting, oldest first
	head   int
	// expired counts messages dropped for waiting longer than maxAge.
	expired int64
}

func (q *queue) len() int { return len(q.buf) - q.head }

// push queues m, first dropping expired messages so they do not hold
// places; it returns ErrQueueFull when limit messages are waiting.
func (q *queue) push(m Msg) error {
	q.expire(m.At)
	if q.len() >= q.limit {
		return ErrQueueFull
	}
	if q.head > 0 && q.head >= len(q.buf)/2 {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf, q.head = q.buf[:n], 0
	}
	q.buf = append(q.buf, m)
	return nil
}

// expire drops the messages that have waited longer than maxAge at now.
// Messages are in arrival order, so the expired ones are a prefix.
func (q *queue) expire(now time.Time) {
	if q.maxAge <= 0 {
		return
	}
	for q.head < len(q.buf) && now.Sub(q.buf[q.head].At) > q.maxAge {
		q.buf[q.head] = Msg{}
		q.head++
		q.expired++
	}
}

// drain removes and returns every waiting message that has not expired,
// oldest first. The queue keeps no reference to them: each goes out once.
func (q *queue) drain(now time.Time) []Msg {
	q.expire(now)
	out := append([]Msg(nil), q.buf[q.head:]...)
	clear(q.buf)
	q.buf, q.head = q.buf[:0], 0
	if cap(q.buf) > 1024 {
		q.buf = nil // a burst's buffer is not kept
	}
	return out
}
