package net

// What peers sent that waits for a VM's handlers is bounded by the shared
// account of runtime/internal/inflow (also used by http.listen and
// ws.listen): frames copied into the script VM's queue and decoded
// messages in a conn's backlog (on_message suspended, or c:receive not
// called yet). Past inflow.MaxConnBytes or MaxConnMsgs for the conn, or
// MaxVMBytes for the VM, the conn's reads are paused; they resume once the
// conn is below half of its own limits and the VM below half of its total.

// account adds db bytes and dm frames to st's queue (negative: taken by
// the VM) and pauses or resumes the conn's reads. Any goroutine.
func (st *connState) account(db, dm int64) { st.in.Add(db, dm) }
