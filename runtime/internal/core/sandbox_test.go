package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// writeScript writes name in dir with src and returns its path.
func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// global reads a global of the script VM as a string.
func global(rt *Runtime, name string) (s string) {
	rt.Do(func(L *lua.LState) { s = L.GetGlobal(name).String() })
	return s
}

// Without --unsafe, require and handler files load only from the script's
// folder: package.path pointing elsewhere, an absolute handler path and
// "../" are refused with a message naming --unsafe, and nothing of the
// outside file reaches the script or the error.
func TestSandboxConfinesFiles(t *testing.T) {
	outside := t.TempDir()
	writeScript(t, outside, "secret.lua", `SECRET = "hunter2"; return {}`)
	writeScript(t, outside, "notlua.lua", "* hunter2 is not Lua\n")
	dir := t.TempDir()
	writeScript(t, dir, "mine.lua", `return {answer = 42}`)
	rel, err := filepath.Rel(dir, filepath.Join(outside, "secret.lua"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, want string
	}{
		{"require inside", `assert(require("mine").answer == 42)`, ""},
		{"package.path outside", `package.path = "` + outside + `/?.lua"; require("secret")`, "--unsafe"},
		{"package.path to a non-Lua file", `package.path = "` + outside + `/?.lua"; require("notlua")`, "--unsafe"},
		{"package.path /etc", `package.path = "/etc/?"; require("os-release")`, "--unsafe"},
		{"handler absolute", `net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "/etc/passwd"})`, "net.listen: option handler: /etc/passwd is outside the script's folder"},
		{"handler ../", `net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "../../../etc/passwd"})`, "run netplay with --unsafe"},
		{"handler ../ to a script", `net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "` + rel + `"})`, "--unsafe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, errOut := newTestRuntime(t, Options{})
			err := rt.RunFile(writeScript(t, dir, "main.lua", tc.src), nil)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("RunFile: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("RunFile = %v; want an error containing %q", err, tc.want)
			}
			if err != nil {
				for _, leak := range []string{"hunter2", "root:", "NAME=", "line:1(column"} {
					if strings.Contains(err.Error(), leak) || strings.Contains(errOut.String(), leak) {
						t.Errorf("error leaks %q: %v", leak, err)
					}
				}
			}
			if v := global(rt, "SECRET"); v != "nil" {
				t.Errorf("SECRET = %s: the outside file ran", v)
			}
		})
	}
}

// With --unsafe the same require works.
func TestSandboxUnsafeAllowsOutside(t *testing.T) {
	outside := t.TempDir()
	writeScript(t, outside, "secret.lua", `SECRET = "hunter2"; return {}`)
	rt, _, _ := newTestRuntime(t, Options{Unsafe: true})
	if err := rt.RunFile(writeScript(t, t.TempDir(), "main.lua", `package.path = "`+outside+`/?.lua"; require("secret")`), nil); err != nil {
		t.Fatal(err)
	}
	if v := global(rt, "SECRET"); v != "hunter2" {
		t.Errorf("SECRET = %s", v)
	}
}
