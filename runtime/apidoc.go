package runtime

import (
	"fmt"
	"strings"
)

// APIReference renders the Lua API reference (docs/lua-api.md) from the
// module registry, so the reference, the shell's :help and the code cannot
// drift apart. A test keeps docs/lua-api.md equal to it and runs every
// example.
func APIReference() string {
	var b strings.Builder
	b.WriteString("# netplay Lua API reference\n\n")
	b.WriteString("Generated from the modules' docs (each module's `doc.md`, listed by `runtime.Modules()`); do not edit by hand:\n")
	b.WriteString("run `go test ./runtime -run TestAPIReference -args -update` after changing one.\n")
	b.WriteString("Every example below is run by that test.\n\n")
	b.WriteString("Modules are globals and can also be loaded with `require`. Lua-visible names are snake_case.\n")
	b.WriteString("Calls marked *suspends* yield the calling coroutine (every handler, timer callback and\n")
	b.WriteString("chunk is one); the VM keeps serving other work meanwhile. The execution model is in\n")
	b.WriteString("[runtime.md](runtime.md).\n\n")
	b.WriteString("- [Options and errors](#options-and-errors)\n")
	for _, m := range Modules() {
		title := m.Name
		if title == "_G" {
			title = "globals"
		}
		fmt.Fprintf(&b, "- [%s](#%s)\n", title, title)
	}
	b.WriteString("\n" + apiConventions)
	for _, m := range Modules() {
		title := m.Name
		if title == "_G" {
			title = "globals"
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", title, m.Doc)
		for _, f := range m.Funcs {
			doc := f.Doc
			if f.Suspends {
				doc = "*Suspends.* " + doc
			}
			fmt.Fprintf(&b, "\n### `%s`\n\n%s\n", f.Signature, doc)
			if f.Example != "" {
				fmt.Fprintf(&b, "\n```lua\n%s\n```\n", f.Example)
			}
		}
	}
	return b.String()
}
