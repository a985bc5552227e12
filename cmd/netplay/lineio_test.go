package main

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"
)

// fakeEditor behaves like readline's writer: it draws the prompt again
// below what it prints only while its input goroutine waits for a key
// (ready); otherwise it prints plainly and the prompt is lost.
type fakeEditor struct {
	ready         *atomic.Bool
	redrawn, lost bytes.Buffer
}

func (e *fakeEditor) Write(p []byte) (int, error) {
	if e.ready.Load() {
		return e.redrawn.Write(p)
	}
	return e.lost.Write(p)
}

// A write that comes after Readline started but before the editor waits for
// a key must wait for it, so that the prompt is drawn again below it;
// without the wait it was printed with no prompt after it (a flake of
// TestDocsShellSessions).
func TestPromptWriterWaitsForTheEditor(t *testing.T) {
	var plain bytes.Buffer
	var ready atomic.Bool
	ed := &fakeEditor{ready: &ready}
	tio := &termIO{reading: true}
	w := &promptWriter{t: tio, editor: ed, plain: &plain, editorReady: ready.Load}
	go func() {
		time.Sleep(5 * time.Millisecond)
		ready.Store(true)
	}()
	if _, err := w.Write([]byte("server got hello\n")); err != nil {
		t.Fatal(err)
	}
	if ed.redrawn.String() != "server got hello\n" || ed.lost.Len() != 0 || plain.Len() != 0 {
		t.Errorf("prompt redrawn after %q, lost after %q, plain %q; want it redrawn", ed.redrawn.String(), ed.lost.String(), plain.String())
	}

	// Not reading: plainly, at once.
	ed.redrawn.Reset()
	tio.setReading(false)
	ready.Store(false)
	start := time.Now()
	w.Write([]byte("x"))
	if plain.String() != "x" || ed.redrawn.Len()+ed.lost.Len() != 0 {
		t.Errorf("not reading: plain %q; want plain", plain.String())
	}
	if d := time.Since(start); d > editorWait/2 {
		t.Errorf("a write between reads waited %v", d)
	}

	// Reading, but the editor never gets ready: the write goes out after
	// editorWait instead of hanging.
	plain.Reset()
	tio.setReading(true)
	start = time.Now()
	w.Write([]byte("y"))
	if d := time.Since(start); d < editorWait || d > editorWait+time.Second {
		t.Errorf("editor never ready: waited %v, want about %v", d, editorWait)
	}
	if ed.lost.String() != "y" {
		t.Errorf("editor never ready: lost %q, plain %q; want it given to the editor", ed.lost.String(), plain.String())
	}
}
