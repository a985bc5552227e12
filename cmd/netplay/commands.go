package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// command is one meta command (":name args"). The registry feeds dispatch,
// :help and completion, so the three can never disagree.
type command struct {
	name     string
	args     string // argument synopsis for :help, "" if none
	summary  string
	run      func(s *shell, arg string) error
	complete func(s *shell, arg string) []string // nil: no argument completion
}

// commandRegistry returns the shell's meta commands by name.
func commandRegistry() map[string]*command {
	cmds := []*command{
		{name: "help", args: "[topic]", summary: "this help, or help on a module (net, codec, timer, …) or a command",
			run: (*shell).cmdHelp, complete: (*shell).helpTopics},
		{name: "load", args: "FILE [ARGS…]", summary: "run a Lua file in this shell (its globals stay; ARGS in arg, as netplay run)",
			run: (*shell).cmdLoad, complete: func(_ *shell, arg string) []string { return completeFile(arg) }},
		{name: "conns", summary: "list open connections: id, local, remote, loop, bytes in/out, age",
			run: (*shell).cmdConns},
		{name: "servers", summary: "servers started in this shell (lines, :load-ed files, their handlers) that are still open",
			run: (*shell).cmdServers},
		{name: "timers", summary: "timers started in this shell that have not fired or been stopped",
			run: (*shell).cmdTimers},
		{name: "close", args: "ID", summary: "close conn ID (a number, from :conns), server ID (sN, from :servers), or stop timer ID (tN)",
			run: (*shell).cmdEnd, complete: (*shell).endIDs},
		{name: "stop", args: "ID", summary: "stop timer ID (tN, from :timers), or close server ID (sN) or conn ID (a number)",
			run: (*shell).cmdEnd, complete: (*shell).endIDs},
		{name: "budget", args: "[on|off]", summary: "show or set whether a line runs under the handlers' budget (on by default)",
			run: (*shell).cmdBudget, complete: func(*shell, string) []string { return []string{"on", "off"} }},
		tapCommand,
		traceCommand,
		reloadCommand,
		{name: "stats", summary: "engine statistics (the same as stats() in Lua)",
			run: (*shell).cmdStats},
		{name: "quit", summary: "stop every server gracefully and leave (also Ctrl-D)",
			run: func(s *shell, _ string) error { s.quit = true; return nil }},
	}
	m := make(map[string]*command, len(cmds))
	for _, c := range cmds {
		m[c.name] = c
	}
	return m
}

// command runs a ":name args" line.
func (s *shell) command(line string) {
	name, arg, _ := strings.Cut(strings.TrimPrefix(line, ":"), " ")
	arg = strings.TrimSpace(arg)
	cmd, ok := s.cmds[name]
	if !ok {
		s.failed = true
		hint := "try :help"
		if near := closest(name, s.commandNames()); near != "" {
			hint = "did you mean :" + near + "?"
		}
		fmt.Fprintf(s.err, "%s\n", s.paint(colorRed, fmt.Sprintf("unknown command :%s (%s)", name, hint)))
		return
	}
	if err := cmd.run(s, arg); err != nil {
		s.failed = true
		fmt.Fprintln(s.err, s.paint(colorRed, fmt.Sprintf(":%s: %v", name, err)))
	}
}

func (s *shell) commandNames() []string {
	names := make([]string, 0, len(s.cmds))
	for _, c := range s.sortedCommands() {
		names = append(names, c.name)
	}
	return names
}

func (s *shell) sortedCommands() []*command {
	out := make([]*command, 0, len(s.cmds))
	for _, c := range s.cmds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *shell) topics() []helpTopic {
	if s.be.topics == nil {
		return nil
	}
	return s.be.topics()
}

func (s *shell) helpTopics(string) []string {
	var out []string
	for _, t := range s.topics() {
		out = append(out, t.Name)
	}
	for _, c := range s.sortedCommands() {
		out = append(out, ":"+c.name)
	}
	return append(out, "keys")
}

const keysHelp = `Keys:
  Enter        run the chunk (an unfinished one continues on a ">>" line)
  Tab          complete globals, tbl.field, obj:method and :commands
  Up/Down      history (a multi-line chunk is one entry); Ctrl-R searches it
  Ctrl-C       discard the line; interrupt a running chunk (servers keep running);
               on an empty line twice: exit
  Ctrl-D       on an empty line: stop servers gracefully and exit
An expression prints its values (also "=expr"); a line runs as a coroutine, so
net.connect, c:receive and sleep wait without stopping the servers.`

func (s *shell) cmdHelp(arg string) error {
	if arg == "" {
		fmt.Fprintln(s.out, "Commands:")
		tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
		for _, c := range s.sortedCommands() {
			fmt.Fprintf(tw, "  :%s %s\t%s\n", c.name, c.args, c.summary)
		}
		tw.Flush()
		if ts := s.topics(); len(ts) > 0 {
			fmt.Fprintln(s.out, "Modules (:help NAME):")
			tw = tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			for _, t := range ts {
				fmt.Fprintf(tw, "  %s\t%s\n", t.Name, t.Summary)
			}
			tw.Flush()
		}
		fmt.Fprintln(s.out, keysHelp)
		return nil
	}
	if arg == "keys" {
		fmt.Fprintln(s.out, keysHelp)
		return nil
	}
	if c, ok := s.cmds[strings.TrimPrefix(arg, ":")]; ok {
		fmt.Fprintf(s.out, ":%s %s\n  %s\n", c.name, c.args, c.summary)
		return nil
	}
	for _, t := range s.topics() {
		if t.Name == arg {
			body := strings.TrimRight(t.Body, "\n")
			if body == "" {
				body = t.Summary
			}
			fmt.Fprintln(s.out, body)
			return nil
		}
	}
	return fmt.Errorf("no help on %q (try :help)", arg)
}

// cmdLoad runs a file in the shell as `netplay run FILE ARGS…` would: ARGS
// in the global arg, arg[0] = FILE. arg stays set afterwards, so handlers the
// file installs still see it.
func (s *shell) cmdLoad(line string) error {
	args, err := splitArgs(line)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return fmt.Errorf("usage: :load FILE [ARGS…]")
	}
	file := args[0]
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := s.be.ev.Do(func(L *lua.LState) {
		t := L.NewTable()
		for i, a := range args {
			t.RawSetInt(i, lua.LString(a))
		}
		L.SetGlobal("arg", t)
	}); err != nil {
		return err
	}
	s.eval(file, string(src), false)
	return nil
}

// splitArgs splits a command's argument text at spaces, as a shell would
// for simple words: 'single' and "double" quotes group words (no escapes
// inside single quotes; \" and \\ inside double ones).
func splitArgs(line string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '"' && c == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\'):
			i++
			cur.WriteByte(line[i])
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

func (s *shell) cmdConns(string) error {
	if s.be.conns == nil {
		return fmt.Errorf("not available: the runtime has no engine")
	}
	rows := s.be.conns()
	if len(rows) == 0 {
		fmt.Fprintln(s.out, "no open connections")
		return nil
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	writeConns(s.out, rows, time.Now())
	return nil
}

// writeConns prints rows as an aligned table.
func writeConns(w io.Writer, rows []connRow, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNET\tLOCAL\tREMOTE\tLOOP\tIN\tOUT\tAGE")
	for _, r := range rows {
		age := "-"
		if !r.Opened.IsZero() {
			age = now.Sub(r.Opened).Truncate(100 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Network, r.Local, r.Remote, r.Loop,
			byteSize(r.BytesIn), byteSize(r.BytesOut), age)
	}
	tw.Flush()
}

func byteSize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

func (s *shell) cmdServers(string) error {
	var live []liveHandle
	var err error
	if derr := s.be.ev.Do(func(L *lua.LState) { live, err = liveServers(L) }); derr != nil {
		return derr
	}
	if err != nil {
		return err
	}
	if len(live) == 0 {
		fmt.Fprintln(s.out, "no open servers")
		return nil
	}
	writeHandles(s.out, "ID\tSERVER", live)
	return nil
}

func (s *shell) cmdTimers(string) error {
	var live []liveHandle
	var err error
	if derr := s.be.ev.Do(func(L *lua.LState) { live, err = liveTimers(L) }); derr != nil {
		return derr
	}
	if err != nil {
		return err
	}
	if len(live) == 0 {
		fmt.Fprintln(s.out, "no pending timers")
		return nil
	}
	writeHandles(s.out, "ID\tTIMER", live)
	return nil
}

// handleIDs completes :close and :stop with the ids :servers and :timers show.
func (s *shell) handleIDs(string) []string {
	var ids []string
	s.be.ev.Do(func(L *lua.LState) {
		srv, _ := liveServers(L)
		tm, _ := liveTimers(L)
		for _, h := range append(srv, tm...) {
			ids = append(ids, h.id)
		}
	})
	return ids
}

// endIDs completes :close and :stop: server and timer ids, then conn ids.
func (s *shell) endIDs(arg string) []string {
	ids := s.handleIDs(arg)
	if s.be.conns != nil {
		for _, r := range s.be.conns() {
			ids = append(ids, strconv.FormatUint(r.ID, 10))
		}
	}
	return ids
}

// cmdEnd is :close ID and :stop ID: a number is a conn (:conns), sN a
// server, tN a timer.
func (s *shell) cmdEnd(arg string) error {
	if arg == "" {
		return fmt.Errorf("which one? give an ID from :conns, :servers or :timers")
	}
	if id, err := strconv.ParseUint(arg, 10, 64); err == nil {
		if s.be.closeConn == nil {
			return fmt.Errorf("not available: the runtime has no engine")
		}
		msg, err := s.be.closeConn(id)
		if err != nil {
			return fmt.Errorf("%v (see :conns)", err)
		}
		fmt.Fprintln(s.out, msg)
		return nil
	}
	var msg string
	var err error
	if derr := s.be.ev.Do(func(L *lua.LState) { msg, err = endHandle(L, arg) }); derr != nil {
		return derr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out, msg)
	return nil
}

// cmdBudget is :budget [on|off].
func (s *shell) cmdBudget(arg string) error {
	le, ok := s.be.ev.(limitedEvaluator)
	if !ok || !le.CanLimit() {
		return fmt.Errorf("not available: this runtime runs shell lines without a budget (Ctrl-C interrupts a line)")
	}
	switch arg {
	case "":
	case "on":
		s.noBudget = false
	case "off":
		s.noBudget = true
	default:
		return fmt.Errorf("usage: :budget [on|off]")
	}
	if s.noBudget {
		fmt.Fprintln(s.out, "lines run without a budget (Ctrl-C interrupts one); :budget on to limit them")
	} else {
		fmt.Fprintln(s.out, "lines run under the handlers' budget (--budget); :budget off for long computations")
	}
	return nil
}

// cmdStats prints what the Lua stats() function returns, so the command and
// the function always agree.
func (s *shell) cmdStats(string) error {
	s.eval("=stats", "return stats()", true) // prints its own error
	return nil
}
