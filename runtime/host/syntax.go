package host

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// SyntaxError rewrites a gopher-lua compile error ("x.lua line:1(column:5)
// near '=': syntax error", or "x.lua at EOF: syntax error") the way Lua
// prints it: "x.lua:1: syntax error near '='". nlines is the chunk's line
// count (an error at EOF is reported on the last line). Errors that are not
// parse errors come back unchanged.
func SyntaxError(name string, err error, nlines int) error {
	var ae *lua.ApiError
	if errors.As(err, &ae) && ae.Cause != nil {
		err = ae.Cause
	}
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return err
	}
	msg := strings.TrimSpace(pe.Message)
	line := pe.Pos.Line
	switch {
	case line == parse.EOF:
		line, msg = nlines, msg+" near <eof>"
	case pe.Token != "":
		msg += fmt.Sprintf(" near '%s'", pe.Token)
	}
	return fmt.Errorf("%s:%d: %s", name, max(1, min(line, nlines)), msg)
}

// IsIncomplete reports whether err is a parse error at the end of the
// input: the chunk is unfinished rather than wrong (the shell then reads
// another line, as lua does).
func IsIncomplete(err error) bool {
	var ae *lua.ApiError
	if errors.As(err, &ae) && ae.Cause != nil {
		err = ae.Cause
	}
	var pe *parse.Error
	return errors.As(err, &pe) && pe.Pos.Line == parse.EOF
}
