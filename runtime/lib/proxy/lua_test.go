package proxy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// TestLua runs testdata/*_test.lua (net.proxy from Lua) with the shared
// harness.
func TestLua(t *testing.T) { rttest.RunLua(t) }

// TestDocsLuaBlocks runs every ```lua block of docs/proxy.md in a fresh
// runtime and compares what it prints with its "--> " comments.
func TestDocsLuaBlocks(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/proxy.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```lua\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 3 {
		t.Fatalf("docs/proxy.md has %d Lua blocks, want at least 3", len(blocks))
	}
	for i, b := range blocks {
		t.Run(fmt.Sprint("block", i+1), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), fmt.Sprintf("proxy_md_block%d.lua", i+1))
			if err := os.WriteFile(path, []byte(b[1]), 0o644); err != nil {
				t.Fatal(err)
			}
			_, out, errOut := luatest.RunFile(t, rttest.New, path)
			if strings.Contains(errOut.String(), filepath.Base(path)) {
				t.Errorf("block %d logged an error: %s", i+1, errOut)
			}
			var want []string
			for _, m := range regexp.MustCompile(`--> (.*)`).FindAllStringSubmatch(b[1], -1) {
				want = append(want, strings.TrimSpace(m[1]))
			}
			got := strings.Fields(out.String())
			if w := strings.Fields(strings.Join(want, " ")); strings.Join(got, " ") != strings.Join(w, " ") {
				t.Errorf("block %d printed %q, its --> comments say %q\n%s", i+1, out.String(), want, b[1])
			}
		})
	}
}
