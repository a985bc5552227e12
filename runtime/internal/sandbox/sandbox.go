// Package sandbox confines the files a sandboxed netplay VM can load —
// require'd modules and handler files — to one folder tree, the script's.
// Without --unsafe a script cannot read /etc/passwd as Lua through
// package.path, a handler path or "../..", and an error never shows a
// byte of a file outside that tree.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Root is the folder tree a VM may load files from. The zero value
// allows nothing relative and nothing absolute; Unsafe lifts the limit.
type Root struct {
	Dir    string // the script's folder (the shell's: the working directory)
	Unsafe bool   // --unsafe: any path is allowed
}

// ErrOutside is wrapped by every refusal, for errors.Is.
var ErrOutside = errors.New("outside the script's folder")

// Resolve turns p (absolute, or relative to Dir) into a clean absolute
// path and refuses it, without opening it, when it leaves Dir — also
// through a symbolic link. A path that does not exist yet is checked as
// written.
func (r Root) Resolve(p string) (string, error) {
	full := p
	if !filepath.IsAbs(full) {
		full = filepath.Join(r.Dir, full)
	}
	if abs, err := filepath.Abs(full); err == nil { // Dir may be relative (".")
		full = abs
	}
	full = filepath.Clean(full)
	if r.Unsafe {
		return full, nil
	}
	root, err := filepath.Abs(r.Dir)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	inside := within(root, full) // lexically, for a path that does not exist
	if real, err := filepath.EvalSymlinks(full); err == nil {
		realRoot := root
		if rr, err := filepath.EvalSymlinks(root); err == nil {
			realRoot = rr
		}
		inside = within(realRoot, real) // where a link really points
	}
	if !inside {
		return "", fmt.Errorf("%s is %w %s (scripts read files only there; run netplay with --unsafe to allow it)", p, ErrOutside, root)
	}
	return full, nil
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Install replaces the Lua file searcher of L's package.loaders (the
// second loader; the first, package.preload, serves netplay's modules)
// with one that reads package.path as usual but resolves each candidate
// with r: relative templates are taken from r.Dir, and candidates outside
// it are skipped unless r.Unsafe. package.path starts as
// "<Dir>/?.lua;<Dir>/?/init.lua".
func Install(L *lua.LState, r Root) {
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	pkg.RawSetString("path", lua.LString(filepath.Join(r.Dir, "?.lua")+";"+filepath.Join(r.Dir, "?", "init.lua")))
	pkg.RawSetString("cpath", lua.LString(""))
	if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok {
		loaders.RawSetInt(2, L.NewFunction(r.searcher))
	}
}

// searcher is the package.loaders entry: it returns the loaded chunk, or a
// string saying where it looked (require joins those into its error).
func (r Root) searcher(L *lua.LState) int {
	name := L.CheckString(1)
	pkg, _ := L.GetGlobal("package").(*lua.LTable)
	path, ok := L.GetField(pkg, "path").(lua.LString)
	if !ok {
		L.RaiseError("package.path must be a string")
	}
	file := strings.ReplaceAll(name, ".", string(filepath.Separator))
	var msgs []string
	for _, tmpl := range strings.Split(string(path), ";") {
		if tmpl == "" {
			continue
		}
		cand := strings.ReplaceAll(tmpl, "?", file)
		full, err := r.Resolve(cand)
		if err != nil {
			msgs = append(msgs, fmt.Sprintf("\n\tskipped %s: %s", cand, "outside the script's folder (--unsafe allows it)"))
			continue
		}
		st, err := os.Stat(full)
		if err != nil || st.IsDir() {
			msgs = append(msgs, fmt.Sprintf("\n\tno file '%s'", full))
			continue
		}
		fn, err := L.LoadFile(full)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(fn)
		return 1
	}
	L.Push(lua.LString(strings.Join(msgs, "")))
	return 1
}
