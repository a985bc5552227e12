// Package e2e tests netplay's examples end to end: the real binary, real
// sockets, and peers nobody here wrote (redis-cli, redis-benchmark).
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// netplayBin is the binary built once by TestMain.
var netplayBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "netplay-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	netplayBin = filepath.Join(dir, "netplay")
	build := exec.Command("go", "build", "-o", netplayBin, "../cmd/netplay")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building netplay:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needTool skips the test when an outside peer is missing, unless CI is set:
// CI installs every peer, so a missing one there is a failure.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (CI must install it: see .ci/run)", name)
		}
		t.Skipf("%s is not installed; install it (see .ci/run) to run this test", name)
	}
	return p
}

var listenRE = regexp.MustCompile(`listening on (?:tcp://)?(127\.0\.0\.1:\d+)`)

// startScript runs `netplay run script args…` and returns the address the
// script prints ("… listening on tcp://127.0.0.1:PORT"). The process is
// stopped with SIGTERM when the test ends.
func startScript(t *testing.T, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(netplayBin, append([]string{"run", script}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrCh <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case a := <-addrCh:
		return a
	case err := <-exited:
		t.Fatalf("%s exited before listening: %v\n%s", script, err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not print its address within 10s\n%s", script, stderr.String())
	}
	return ""
}

// run runs a command with a deadline and returns its combined output.
func run(t *testing.T, timeout time.Duration, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: timed out after %v\n%s", name, args, timeout, out)
	}
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
