// Package lab is netplay's teaching-lab runner: `netplay lab list | start
// NAME [DIR] | show NAME | check NAME [FILE] [--debug]`. Labs come embedded
// from scripts/labs; a check runs the learner's script as a child process
// (`netplay run FILE URL`) and the lab's check.lua in a runtime of its own,
// stage by stage, and explains the first failure.
package lab

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/netplay-lab/netplay/scripts/labs"
)

// Exit codes of Main.
const (
	exitOK    = 0
	exitFail  = 1 // a stage failed, or the lab could not be checked
	exitUsage = 2
)

const usage = `usage:
  netplay lab list                     the labs and how far you are
  netplay lab start NAME [DIR]         write the lesson and starter.lua into DIR (default ./NAME)
  netplay lab show NAME                print the lesson
  netplay lab check NAME [FILE] [--debug]
                                       check FILE (default: the started starter.lua);
                                       --debug shows every byte sent and received
NAME is a lab's folder name (01-framing), its number (1) or its short name (framing).
`

// Lab is one embedded lab.
type Lab struct {
	Name  string // folder name, e.g. "01-framing"
	Title string // the README's first heading
	files fs.FS  // the lab's folder
}

// Labs returns the embedded labs sorted by name.
func Labs() []Lab {
	ents, _ := fs.ReadDir(labs.FS, ".")
	var out []Lab
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		sub, err := fs.Sub(labs.FS, e.Name())
		if err != nil {
			continue
		}
		l := Lab{Name: e.Name(), files: sub}
		l.Title = readmeTitle(sub)
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func readmeTitle(f fs.FS) string {
	b, err := fs.ReadFile(f, "README.md")
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if t, ok := strings.CutPrefix(sc.Text(), "# "); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// Find looks a lab up by folder name, number or short name.
func Find(name string) (Lab, error) {
	all := Labs()
	name = strings.TrimSuffix(strings.ToLower(name), "/")
	for _, l := range all {
		num, short, _ := strings.Cut(l.Name, "-")
		if name == l.Name || name == short || strings.TrimLeft(name, "0") == strings.TrimLeft(num, "0") {
			return l, nil
		}
	}
	names := make([]string, len(all))
	for i, l := range all {
		names[i] = l.Name
	}
	return Lab{}, fmt.Errorf("no lab %q (labs: %s)", name, strings.Join(names, ", "))
}

// ReadFile returns one of the lab's embedded files.
func (l Lab) ReadFile(name string) ([]byte, error) { return fs.ReadFile(l.files, name) }

// starterFiles are the files `start` writes: the lesson, starter.lua and
// any other Lua file the lab hands out (check.lua stays inside).
func (l Lab) starterFiles() []string {
	out := []string{"README.md"}
	ents, _ := fs.ReadDir(l.files, ".")
	for _, e := range ents {
		if n := e.Name(); path.Ext(n) == ".lua" && n != "check.lua" {
			out = append(out, n)
		}
	}
	return out
}

// Main runs `netplay lab ARGS…` and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitUsage
	}
	switch args[0] {
	case "list":
		return list(stdout, stderr)
	case "start":
		if len(args) < 2 || len(args) > 3 {
			return usageError(stderr, "start needs NAME [DIR]")
		}
		dir := ""
		if len(args) == 3 {
			dir = args[2]
		}
		return start(args[1], dir, stdout, stderr)
	case "show":
		if len(args) != 2 {
			return usageError(stderr, "show needs NAME")
		}
		l, err := Find(args[1])
		if err != nil {
			return usageError(stderr, err.Error())
		}
		b, _ := l.ReadFile("README.md")
		stdout.Write(b)
		return exitOK
	case "check":
		var rest []string
		debug := false
		for _, a := range args[1:] {
			if a == "--debug" {
				debug = true
			} else {
				rest = append(rest, a)
			}
		}
		if len(rest) < 1 || len(rest) > 2 {
			return usageError(stderr, "check needs NAME [FILE]")
		}
		file := ""
		if len(rest) == 2 {
			file = rest[1]
		}
		return checkCmd(rest[0], file, debug, stdout, stderr)
	case "-h", "help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	return usageError(stderr, "unknown lab command "+args[0])
}

func usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "netplay lab: %s\n%s", msg, usage)
	return exitUsage
}

func list(stdout, stderr io.Writer) int {
	st, err := loadState()
	if err != nil {
		fmt.Fprintln(stderr, "netplay lab:", err)
	}
	all := Labs()
	nameW, titleW := 0, 0
	for _, l := range all {
		nameW = max(nameW, utf8.RuneCountInString(l.Name))
		titleW = max(titleW, utf8.RuneCountInString(l.Title))
	}
	for _, l := range all {
		fmt.Fprintf(stdout, "%s  %s  %s\n", pad(l.Name, nameW), pad(l.Title, titleW), st.status(l.Name))
	}
	return exitOK
}

// pad fills s with spaces to w characters (runes: titles hold dashes).
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s)))
}

func start(name, dir string, stdout, stderr io.Writer) int {
	l, err := Find(name)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	if dir == "" {
		dir = l.Name
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "netplay lab: start:", err)
		return exitFail
	}
	for _, f := range l.starterFiles() {
		dst := filepath.Join(dir, f)
		b, _ := l.ReadFile(f)
		// O_EXCL: the learner's work is never overwritten.
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			fmt.Fprintf(stdout, "kept     %s (already there)\n", dst)
			continue
		}
		if err == nil {
			_, err = out.Write(b)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "netplay lab: start:", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "wrote    %s\n", dst)
	}
	starter, _ := filepath.Abs(filepath.Join(dir, "starter.lua"))
	st, _ := loadState()
	st.started(l.Name, starter)
	if err := st.save(); err != nil {
		fmt.Fprintln(stderr, "netplay lab: saving progress:", err)
	}
	fmt.Fprintf(stdout, "\n%s: %s\nRead %s, edit %s, then run:\n  netplay lab check %s\n",
		l.Name, l.Title, filepath.Join(dir, "README.md"), filepath.Join(dir, "starter.lua"), l.Name)
	return exitOK
}

func checkCmd(name, file string, debug bool, stdout, stderr io.Writer) int {
	l, err := Find(name)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	st, _ := loadState()
	if file == "" {
		file = st.file(l.Name)
		if file == "" {
			file = filepath.Join(l.Name, "starter.lua")
		}
	}
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintf(stderr, "netplay lab: check %s: %v (start the lab with `netplay lab start %s`, or name the file)\n", l.Name, err, l.Name)
		return exitFail
	}
	res, err := Check(l, file, CheckOptions{Debug: debug, Out: stdout, Color: colorFor(stdout)})
	if err != nil {
		fmt.Fprintf(stderr, "netplay lab: check %s: %v\n", l.Name, err)
		return exitFail
	}
	st.checked(l.Name, res)
	if err := st.save(); err != nil {
		fmt.Fprintln(stderr, "netplay lab: saving progress:", err)
	}
	if res.Passed() {
		return exitOK
	}
	return exitFail
}

// colorFor reports whether w is a terminal, NO_COLOR is unset (any value
// counts, as in the shell) and TERM is not dumb.
func colorFor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
