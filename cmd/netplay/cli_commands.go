package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/runtime"
)

// cmdRun is `netplay run FILE [ARGS…]`.
func (c *cli) cmdRun(args []string) int {
	watch := c.watch
	if len(args) == 0 {
		return c.usageError("run", "run needs a FILE")
	}
	file, scriptArgs := args[0], args[1:]
	return runScript(c.opts, c.stdout, c.stderr, func(rt *runtime.Runtime) error {
		if watch {
			if err := watchServers(rt); err != nil {
				return err
			}
		}
		return rt.RunFile(file, scriptArgs)
	})
}

// runChunk is `netplay -e CODE`.
func (c *cli) runChunk(code string) int {
	return runScript(c.opts, c.stdout, c.stderr, func(rt *runtime.Runtime) error { return rt.RunString("(command line)", code) })
}

// cmdShell is `netplay shell` (and netplay with no command).
func (c *cli) cmdShell(args []string) int {
	if len(args) > 0 {
		return c.usageError("shell", fmt.Sprintf("shell takes no arguments; unexpected %q (to run a script: netplay run FILE)", args[0]))
	}
	return runShellOptions(c.opts)
}

func (c *cli) cmdVersion([]string) int {
	fmt.Fprintln(c.stdout, "netplay", version)
	return exitOK
}

// cmdHelp is `netplay help [COMMAND]`.
func (c *cli) cmdHelp(args []string) int {
	if len(args) == 0 {
		c.printUsage(c.stdout)
		return exitOK
	}
	cmd := c.lookup(args[0])
	if cmd == nil {
		return c.unknownCommand(args[0])
	}
	c.printCommandUsage(c.stdout, cmd)
	return exitOK
}

// budgetFlag is --budget: a duration; 0 or negative means no budget
// (runtime.Options.Budget < 0), so that "--budget 0" does not fall back to
// the default.
type budgetFlag time.Duration

func (b *budgetFlag) String() string {
	switch {
	case b == nil || *b == 0:
		return ""
	case *b < 0:
		return "0"
	}
	return time.Duration(*b).String()
}

func (b *budgetFlag) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want a duration such as 500ms or 2s")
	}
	if d <= 0 {
		d = -1
	}
	*b = budgetFlag(d)
	return nil
}
