package runtime

import (
	"strings"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
)

// SyntaxError rewrites a gopher-lua compile error the way Lua prints it
// ("x.lua:1: syntax error near '='"); see host.SyntaxError.
func SyntaxError(name string, err error, nlines int) error {
	return host.SyntaxError(name, err, nlines)
}

// IsIncomplete reports whether err is a parse error at the end of the
// input (the shell then reads another line, as lua does).
func IsIncomplete(err error) bool { return host.IsIncomplete(err) }

// lineCount is the number of lines of src as an error message counts them.
func lineCount(src string) int { return strings.Count(src, "\n") + 1 }

// EditDistance is the distance the runtime's did-you-mean suggestions use
// (insertions, deletions, substitutions and adjacent swaps cost 1), for
// the CLI's suggestions to agree with the runtime's.
func EditDistance(a, b string) int { return luautil.EditDistance(a, b) }

// QuoteLua quotes s as a Lua 5.1 string literal that reads back to the
// same bytes (what pp and the shell print).
func QuoteLua(s string) string { return luautil.QuoteLua(s) }
