package host

import (
	"fmt"
	"strings"
)

// ParseDoc reads a module's documentation from its markdown file (each
// module package embeds a doc.md):
//
//	# name
//
//	One paragraph about the module.
//
//	## function-name
//
//	`signature`
//
//	One paragraph; "*Suspends.* " in front marks a call that yields.
//
//	```lua
//	a runnable example (optional)
//	```
//
// It panics on a file that does not follow that shape: the files are
// embedded, so that is a bug a test run finds at once.
func ParseDoc(md string) ModuleDoc {
	d, err := parseDoc(md)
	if err != nil {
		panic("netplay: module doc: " + err.Error())
	}
	return d
}

func parseDoc(md string) (ModuleDoc, error) {
	var d ModuleDoc
	var f *FuncDoc
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "# "):
			d.Name = strings.TrimSpace(line[2:])
		case strings.HasPrefix(line, "## "):
			if f != nil {
				d.Funcs = append(d.Funcs, *f)
			}
			f = &FuncDoc{Name: strings.TrimSpace(line[3:])}
		case strings.HasPrefix(line, "```"):
			if f == nil {
				return d, fmt.Errorf("line %d: an example outside a function", i+1)
			}
			var ex []string
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				ex = append(ex, lines[i])
			}
			if i == len(lines) {
				return d, fmt.Errorf("%s: example not closed", f.Name)
			}
			f.Example = strings.Join(ex, "\n")
		case f == nil:
			if d.Doc != "" {
				return d, fmt.Errorf("line %d: the module doc is one paragraph", i+1)
			}
			d.Doc = line
		case f.Signature == "" && strings.HasPrefix(line, "`") && strings.HasSuffix(line, "`"):
			f.Signature = line[1 : len(line)-1]
		case f.Doc == "":
			f.Doc, f.Suspends = strings.CutPrefix(line, "*Suspends.* ")
		default:
			return d, fmt.Errorf("line %d (%s): one paragraph per function", i+1, f.Name)
		}
	}
	if f != nil {
		d.Funcs = append(d.Funcs, *f)
	}
	if d.Name == "" || d.Doc == "" {
		return d, fmt.Errorf("no '# name' heading or no module paragraph")
	}
	for _, fn := range d.Funcs {
		if fn.Signature == "" || fn.Doc == "" {
			return d, fmt.Errorf("%s: needs a `signature` line and a paragraph", fn.Name)
		}
	}
	return d, nil
}

// FormatDoc writes d in ParseDoc's format.
func FormatDoc(d ModuleDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n", d.Name, d.Doc)
	for _, f := range d.Funcs {
		fmt.Fprintf(&b, "\n## %s\n\n`%s`\n\n", f.Name, f.Signature)
		if f.Suspends {
			b.WriteString("*Suspends.* ")
		}
		b.WriteString(f.Doc + "\n")
		if f.Example != "" {
			fmt.Fprintf(&b, "\n```lua\n%s\n```\n", f.Example)
		}
	}
	return b.String()
}

// Func returns the doc of function name, for a module that builds its
// function list itself (codec's kinds).
func (d ModuleDoc) Func(name string) FuncDoc {
	for _, f := range d.Funcs {
		if f.Name == name {
			return f
		}
	}
	panic("netplay: module " + d.Name + " documents no function " + name)
}
