package host

import (
	"reflect"
	"strings"
	"testing"
)

func TestDocRoundTrip(t *testing.T) {
	d := ModuleDoc{Name: "m", Doc: "A module with `code` and a \\n.", Funcs: []FuncDoc{
		{Name: "f", Signature: "m.f(x) -> y", Doc: "Does f.", Example: "local y = m.f(1)\n\nassert(y)"},
		{Name: "c:wait", Signature: "c:wait()", Doc: "Waits.", Suspends: true},
	}}
	md := FormatDoc(d)
	got, err := parseDoc(md)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip:\n%#v\nwant\n%#v\nmarkdown:\n%s", got, d, md)
	}
}

func TestDocErrors(t *testing.T) {
	for _, tc := range []struct{ md, want string }{
		{"no heading\n", "no '# name'"},
		{"# m\n\ndoc\n\n## f\n\n`f()`\n\nline one\nline two\n", "one paragraph per function"},
		{"# m\n\ndoc\n\n## f\n\n`f()`\n\n```lua\nx()\n", "not closed"},
		{"# m\n\ndoc\n\n## f\n", "needs a `signature`"},
	} {
		if _, err := parseDoc(tc.md); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.md, err, tc.want)
		}
	}
}
