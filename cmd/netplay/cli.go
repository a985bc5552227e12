package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/lib/bench"
	"github.com/netplay-lab/netplay/runtime/lib/lab"
	"github.com/netplay-lab/netplay/runtime/lib/proxy"
)

// cliCommand is one netplay subcommand. The table (cliCommands) feeds
// dispatch, `netplay -h` and the did-you-mean for a misspelt name, so the
// three cannot disagree.
type cliCommand struct {
	name    string
	args    string // synopsis of the arguments after the flags, e.g. "FILE [ARGS…]"
	summary string

	// run runs a command of netplay's own. The global flags are accepted
	// before and after the name; args is what follows them (after the
	// first non-flag argument nothing is parsed: a script's own ARGS pass
	// untouched).
	run func(c *cli, args []string) int

	// main is a tool's own entry point (bench, proxy, lab), used instead of
	// run: it gets every argument after the name and parses its own flags.
	// The process-wide flags before the name (--max-memory) still apply.
	main func(args []string, stdout, stderr io.Writer) int
}

// cliCommands returns the subcommands. Adding a tool that has a Main is one
// line here.
func cliCommands() []*cliCommand {
	return []*cliCommand{
		{name: "run", args: "FILE [ARGS…]", summary: "run a script (ARGS in the global arg, arg[0] = FILE; --watch: reload handler files when they change)",
			run: (*cli).cmdRun},
		{name: "shell", summary: "the interactive shell (the default with no command)",
			run: (*cli).cmdShell},
		{name: "version", summary: "print the version", run: (*cli).cmdVersion},
		{name: "help", args: "[COMMAND]", summary: "this help, or one command's", run: (*cli).cmdHelp},
		{name: "lab", args: "list|start|show|check …", summary: "teaching labs with checkers", main: lab.Main},
		{name: "bench", args: "URL [-c N] [-d DUR] [--mode M] …", summary: "load-test a server", main: bench.Main},
		{name: "proxy", args: "LISTEN UPSTREAM [--latency DUR] …", summary: "a fault-injecting proxy (latency, bandwidth, slicer, reset…)", main: proxy.Main},
	}
}

// cli is one invocation: the options the flags set and where output goes.
type cli struct {
	stdout, stderr io.Writer
	opts           runtime.Options
	memory         memoryLimit
	eval           *string // -e CODE; nil when not given
	watch          bool    // run --watch (watch.go)
	cmds           []*cliCommand
}

// dispatch parses the command line and runs the command; it returns the
// exit code: 0, 1 for a script error, 2 for a usage error.
func dispatch(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, cmds: cliCommands()}
	rest, code, ok := c.parseFlags("", args)
	if !ok {
		return code
	}
	if c.eval != nil {
		if len(rest) > 0 {
			return c.usageError("", fmt.Sprintf("-e takes one CODE argument; unexpected %q", rest[0]))
		}
		c.applyMemory()
		return c.runChunk(*c.eval)
	}
	if len(rest) == 0 {
		c.applyMemory()
		return runShellOptions(c.opts)
	}
	name, rest := rest[0], rest[1:]
	cmd := c.lookup(name)
	if cmd == nil {
		return c.unknownCommand(name)
	}
	c.applyMemory()
	if cmd.main != nil {
		return cmd.main(rest, stdout, stderr)
	}
	if rest, code, ok = c.parseFlags(cmd.name, rest); !ok {
		return code
	}
	if c.eval != nil {
		return c.usageError(cmd.name, "-e cannot be combined with a command")
	}
	c.applyMemory() // flags after the name may have changed it
	return cmd.run(c, rest)
}

// applyMemory sets Go's soft memory limit from --max-memory and passes the
// limit in force to the runtime as its Lua memory cap.
func (c *cli) applyMemory() {
	if l := c.memory.apply(); l > 0 && l != math.MaxInt64 {
		c.opts.MaxMemory = l
	} else {
		c.opts.MaxMemory = 0
	}
}

func (c *cli) lookup(name string) *cliCommand {
	for _, cmd := range c.cmds {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// flagSet declares the global flags on c's options. Go's flag package reads
// -name and --name alike and stops at the first non-flag argument.
func (c *cli) flagSet(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet("netplay "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&c.opts.Unsafe, "unsafe", c.opts.Unsafe, "allow io, os.execute, debug… in scripts")
	fs.Var((*budgetFlag)(&c.opts.Budget), "budget", "per-callback budget, a `DUR` such as 500ms or 2s (default 1s; 0 or negative: none)")
	fs.IntVar(&c.opts.MaxConns, "max-conns", c.opts.MaxConns, "at most `N` open conns in the process (default: the engine's, sized from the fd limit)")
	fs.Var(&c.memory, "max-memory", "Go's soft memory limit and the Lua memory cap (past it the running chunk, handler or pool job fails), a `SIZE` such as 512MiB or 2GiB, or off (default: 1GiB or half the RAM, whichever is smaller)")
	fs.Var((*budgetFlag)(&c.opts.PoolBudget), "pool-budget", "budget of one pool job, a `DUR` (default 30s; 0 or negative: none)")
	if cmd == "run" {
		fs.BoolVar(&c.watch, "watch", false, "reload handler files (net.listen{vm = \"loop\", handler = …}) when they change")
	}
	if cmd == "" {
		fs.Func("e", "run the chunk `CODE` and exit", func(s string) error { c.eval = &s; return nil })
	}
	return fs
}

// parseFlags parses the global flags at the front of args for the command
// cmd ("" before any command) and returns the arguments after them. When it
// returns ok false the command line was handled (help) or wrong (usage
// error): exit with code.
func (c *cli) parseFlags(cmd string, args []string) (rest []string, code int, ok bool) {
	fs := c.flagSet(cmd)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		if cmd == "" {
			c.printUsage(c.stdout)
		} else {
			c.printCommandUsage(c.stdout, c.lookup(cmd))
		}
		return nil, exitOK, false
	case err != nil:
		return nil, c.usageError(cmd, c.flagError(fs, err)), false
	}
	if c.opts.MaxConns < 0 {
		return nil, c.usageError(cmd, fmt.Sprintf("--max-conns %d: want 0 (the default) or more", c.opts.MaxConns)), false
	}
	return fs.Args(), 0, true
}

// flagError rewrites the flag package's messages in netplay's words, with
// a did-you-mean for an unknown flag.
func (c *cli) flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		msg = "unknown flag " + dashed(name)
		if s := closest(name, known); s != "" {
			msg += " (did you mean " + dashed(s) + "?)"
		}
		return msg
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return dashed(name) + " needs a value"
	}
	return strings.Replace(msg, "for flag -", "for flag --", 1)
}

// unknownCommand reports a name that is not in the table, suggesting the
// nearest one, or `netplay run` for a file name.
func (c *cli) unknownCommand(name string) int {
	msg := "unknown command " + name
	var names []string
	for _, cmd := range c.cmds {
		names = append(names, cmd.name)
	}
	switch s := closest(name, names); {
	case strings.HasSuffix(name, ".lua"):
		msg += " (did you mean: netplay run " + name + "?)"
	case s != "":
		msg += " (did you mean: netplay " + s + "?)"
	}
	return c.usageError("", msg)
}

// usageError prints msg and where to find the usage of cmd ("" for
// netplay's) on stderr and returns exitUsage.
func (c *cli) usageError(cmd, msg string) int {
	help := "netplay -h"
	if c.lookup(cmd) != nil {
		help = "netplay help " + cmd
	}
	fmt.Fprintf(c.stderr, "netplay: %s\n(usage: %s)\n", msg, help)
	return exitUsage
}

// printUsage writes netplay's help: the commands from the table and the
// global flags.
func (c *cli) printUsage(w io.Writer) {
	fmt.Fprint(w, "usage:\n  netplay [FLAGS]                interactive shell\n  netplay [FLAGS] -e CODE        run a chunk\n  netplay [FLAGS] COMMAND [FLAGS] [ARGS…]\n\ncommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cmds := append([]*cliCommand(nil), c.cmds...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, cmd := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.summary)
	}
	tw.Flush()
	fmt.Fprint(w, "\nflags (before or after the command; -name and --name alike):\n")
	c.printFlags(w, "")
}

// printCommandUsage writes one command's help.
func (c *cli) printCommandUsage(w io.Writer, cmd *cliCommand) {
	if cmd.main != nil {
		cmd.main([]string{"-h"}, w, w)
		return
	}
	fmt.Fprintf(w, "usage: netplay %s [FLAGS] %s\n  %s\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
	c.printFlags(w, cmd.name)
}

func (c *cli) printFlags(w io.Writer, cmd string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	c.flagSet(cmd).VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(tw, "  %s %s\t%s\n", dashed(f.Name), arg, usage)
	})
	tw.Flush()
}

// dashed spells a flag as the help does: -e, --budget.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
