package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// netplayPkg is the package NetplayBin builds.
const netplayPkg = "github.com/netplay-lab/netplay/cmd/netplay"

var build struct {
	once sync.Once
	dir  string // temp dir holding the binary; removed by Main
	path string
	err  error
}

// NetplayBin returns the path of the netplay binary, built from the current
// source with `go build` the first time a test of this process asks (later
// calls return the same file). A build failure fails the test.
func NetplayBin(t testing.TB) string {
	t.Helper()
	path, err := BuildNetplay()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildNetplay is NetplayBin for a TestMain, which has no test to fail:
// it builds the binary once per process and returns its path or the error.
func BuildNetplay() (string, error) {
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "netplay-test-bin")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "netplay")
		out, err := exec.Command("go", "build", "-o", build.path, netplayPkg).CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build %s: %v\n%s", netplayPkg, err, out)
		}
	})
	return build.path, build.err
}

// Main runs the tests and removes what NetplayBin built; it returns the
// exit code for os.Exit. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	return code
}

// NeedTool returns the path of the program name. When it is not installed
// the test is skipped with a message saying so, or fails when the
// environment variable CI is set (CI installs every peer, so a missing one
// there is a broken setup).
func NeedTool(t testing.TB, name string) string {
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

// ExitCode returns the exit code in err from exec.Cmd.Wait or Run: 0 for
// nil, the code for an *exec.ExitError; ok is false for any other error
// (the program did not run).
func ExitCode(err error) (code int, ok bool) {
	if err == nil {
		return 0, true
	}
	if ee, isExit := err.(*exec.ExitError); isExit {
		return ee.ExitCode(), true
	}
	return -1, false
}
