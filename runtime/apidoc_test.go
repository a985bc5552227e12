package runtime

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

var update = flag.Bool("update", false, "rewrite docs/lua-api.md from the registry")

const apiDocPath = "../docs/lua-api.md"

func TestAPIReference(t *testing.T) {
	want := APIReference()
	if *update {
		if err := os.WriteFile(apiDocPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(apiDocPath)
	if err != nil {
		t.Fatalf("%v (run go test ./runtime -run TestAPIReference -args -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date: run go test ./runtime -run TestAPIReference -args -update", apiDocPath)
	}
}

func TestAPIExamples(t *testing.T) {
	for _, m := range Modules() {
		for _, f := range m.Funcs {
			if f.Example == "" {
				t.Errorf("%s.%s has no example", m.Name, f.Name)
				continue
			}
			t.Run(m.Name+"."+f.Name, func(t *testing.T) {
				rt, _, errOut := newTestRuntime(t, Options{})
				if err := rt.RunString("example.lua", f.Example); err != nil {
					t.Fatalf("%v\n%s", err, f.Example)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := rt.Wait(ctx); err != nil {
					t.Fatalf("Wait: %v", err)
				}
				if e := errOut.String(); strings.Contains(e, "example.lua") {
					t.Errorf("example logged an error: %s", e)
				}
			})
		}
	}
}

// TestModulesDocumented checks that every function a module exports in Lua
// has a registry entry (methods are checked through their metatables' docs
// by name).
func TestModulesDocumented(t *testing.T) {
	rt, _, _ := newTestRuntime(t, Options{})
	documented := map[string]bool{}
	for _, m := range Modules() {
		for _, f := range m.Funcs {
			documented[m.Name+"."+f.Name] = true
		}
	}
	var missing []string
	err := rt.Do(func(L *lua.LState) {
		for _, m := range Modules() {
			if m.Name == "_G" {
				continue
			}
			tbl, ok := L.GetGlobal(m.Name).(*lua.LTable)
			if !ok {
				missing = append(missing, m.Name+" (no global table)")
				continue
			}
			tbl.ForEach(func(k, v lua.LValue) {
				if _, isFn := v.(*lua.LFunction); isFn && !documented[m.Name+"."+k.String()] {
					missing = append(missing, m.Name+"."+k.String())
				}
			})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("functions without docs in the registry: %v", missing)
	}
}
