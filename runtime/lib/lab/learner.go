package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// outputLimit bounds what is kept of the learner's output per stage: a
// script that floods stdout is drained (it never blocks on a full pipe) but
// only the first outputLimit bytes of a stage's output are kept.
const outputLimit = 256 << 10

// output is the learner's stdout and stderr, interleaved as written and
// bounded. Safe for concurrent use.
type output struct {
	mu      sync.Mutex
	buf     []byte
	dropped int64
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	room := outputLimit - len(o.buf)
	if room < len(p) {
		if room > 0 {
			o.buf = append(o.buf, p[:room]...)
		}
		o.dropped += int64(len(p) - max(room, 0))
		return len(p), nil
	}
	o.buf = append(o.buf, p...)
	return len(p), nil
}

// reset forgets what was kept and dropped so far: each stage shows its own
// output, so a flood in one stage does not hide the next stage's prints.
func (o *output) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf, o.dropped = o.buf[:0], 0
}

// written is how many bytes arrived since the last reset, kept or not.
func (o *output) written() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int64(len(o.buf)) + o.dropped
}

// text returns the kept output and the bytes dropped since the last reset.
func (o *output) text() (string, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.buf), o.dropped
}

// settle waits until nothing was written for quiet (at most limit): a
// script logs a handler's error just after the conn closed, and that error
// belongs under the stage that saw the close.
func (o *output) settle(quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	last := o.written()
	for time.Now().Before(deadline) {
		time.Sleep(quiet)
		n := o.written()
		if n == last {
			return
		}
		last = n
	}
}

// learner is the learner's script running as `netplay run FILE URL`.
type learner struct {
	cmd    *exec.Cmd
	out    *output
	done   chan struct{} // closed when the process has exited
	status string        // "exit code 1", set before done closes
}

// netplayBin is the binary that runs learner scripts: bin when set, else
// $NETPLAY_BIN (tests point it at a freshly built netplay), else this
// executable.
func netplayBin(bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	if b := os.Getenv("NETPLAY_BIN"); b != "" {
		return b, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the netplay binary: %w", err)
	}
	return exe, nil
}

// startLearner runs file with url as arg[1], in file's folder.
func startLearner(netplay, file, url string) (*learner, error) {
	bin, err := netplayBin(netplay)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	l := &learner{out: &output{}, done: make(chan struct{})}
	l.cmd = exec.Command(bin, "run", filepath.Base(abs), url)
	l.cmd.Dir = filepath.Dir(abs)
	l.cmd.Stdout, l.cmd.Stderr = l.out, l.out
	l.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := l.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s run %s: %w", bin, file, err)
	}
	go func() {
		err := l.cmd.Wait()
		l.status = "exit code 0"
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				l.status = "killed by " + ws.Signal().String()
			} else {
				l.status = fmt.Sprintf("exit code %d", ee.ExitCode())
			}
		} else if err != nil {
			l.status = err.Error()
		}
		close(l.done)
	}()
	return l, nil
}

// alive reports whether the script still runs, and else how it ended.
func (l *learner) alive() (bool, string) {
	select {
	case <-l.done:
		return false, l.status
	default:
		return true, ""
	}
}

// stop ends the script: SIGTERM (a graceful stop), then SIGKILL after grace.
func (l *learner) stop(grace time.Duration) {
	if ok, _ := l.alive(); !ok {
		return
	}
	l.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-l.done:
	case <-time.After(grace):
		l.cmd.Process.Kill()
		<-l.done
	}
}
