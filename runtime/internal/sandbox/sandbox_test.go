package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func setup(t *testing.T) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "scripts")
	outside = filepath.Join(base, "secret")
	for _, d := range []string{dir, filepath.Join(dir, "lib"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "lib", "util.lua"), `return {answer = 42}`)
	write(filepath.Join(outside, "env.lua"), `PASSWORD = "hunter2"; return {}`)
	write(filepath.Join(outside, "shadow"), `root:*:19000:0:99999:7:::`)
	if err := os.Symlink(filepath.Join(outside, "env.lua"), filepath.Join(dir, "link.lua")); err != nil {
		t.Fatal(err)
	}
	return dir, outside
}

func TestResolve(t *testing.T) {
	dir, outside := setup(t)
	r := Root{Dir: dir}
	for _, p := range []string{"lib/util.lua", filepath.Join(dir, "lib", "util.lua"), "new.lua", "lib/../lib/util.lua"} {
		if _, err := r.Resolve(p); err != nil {
			t.Errorf("Resolve(%q): %v", p, err)
		}
	}
	for _, p := range []string{"../secret/env.lua", filepath.Join(outside, "env.lua"), "/etc/passwd", "../../../etc/passwd", "link.lua", ".."} {
		_, err := r.Resolve(p)
		if !errors.Is(err, ErrOutside) || !strings.Contains(err.Error(), "--unsafe") {
			t.Errorf("Resolve(%q) = %v, want a refusal naming --unsafe", p, err)
		}
	}
	if got, err := (Root{Dir: dir, Unsafe: true}).Resolve("../secret/env.lua"); err != nil || got != filepath.Join(outside, "env.lua") {
		t.Errorf("unsafe Resolve = %q, %v", got, err)
	}
}

func newL(r Root) *lua.LState {
	L := lua.NewState()
	Install(L, r)
	return L
}

func TestRequireStaysInside(t *testing.T) {
	dir, outside := setup(t)
	L := newL(Root{Dir: dir})
	defer L.Close()
	if err := L.DoString(`assert(require("lib.util").answer == 42)`); err != nil {
		t.Fatalf("require inside the folder: %v", err)
	}
	for _, src := range []string{
		`package.path = "` + outside + `/?.lua"; require("env")`,
		`package.path = "` + outside + `/?"; require("shadow")`,
		`package.path = "../secret/?.lua"; require("env")`,
		`require("link")`,
	} {
		err := L.DoString(src)
		if err == nil {
			t.Fatalf("%s: loaded a file outside the folder", src)
		}
		msg := err.Error()
		if strings.Contains(msg, "root:") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "*") {
			t.Fatalf("%s: the error shows the file's content: %s", src, msg)
		}
		if !strings.Contains(msg, "--unsafe") {
			t.Fatalf("%s: the error does not name --unsafe: %s", src, msg)
		}
	}
	if v := L.GetGlobal("PASSWORD"); v != lua.LNil {
		t.Fatalf("PASSWORD = %v: an outside file ran", v)
	}
}

func TestRequireUnsafe(t *testing.T) {
	dir, outside := setup(t)
	L := newL(Root{Dir: dir, Unsafe: true})
	defer L.Close()
	if err := L.DoString(`package.path = "` + outside + `/?.lua"; require("env")`); err != nil {
		t.Fatal(err)
	}
	if L.GetGlobal("PASSWORD").String() != "hunter2" {
		t.Fatal("--unsafe did not load the file")
	}
}

// A relative Dir (".", the working directory before a script runs) allows
// relative paths below it and refuses "..".
func TestResolveRelativeDir(t *testing.T) {
	r := Root{Dir: "."}
	if p, err := r.Resolve("testdata/x.lua"); err != nil || !filepath.IsAbs(p) {
		t.Errorf(`Resolve("testdata/x.lua") = %q, %v`, p, err)
	}
	if _, err := r.Resolve("../x.lua"); !errors.Is(err, ErrOutside) {
		t.Errorf(`Resolve("../x.lua") = %v, want ErrOutside`, err)
	}
}
