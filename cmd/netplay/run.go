package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/netplay-lab/netplay/runtime"
)

// gracePeriod bounds a graceful stop after the first SIGINT/SIGTERM.
const gracePeriod = 5 * time.Second

// runScript starts a runtime, runs start (the main chunk) and waits until
// nothing keeps the script alive. The first SIGINT/SIGTERM stops it
// gracefully (exit 0); a second forces the exit with 130. A script error
// prints "file:line: message" and the traceback and exits 1.
func runScript(opts runtime.Options, stdout, stderr io.Writer, start func(rt *runtime.Runtime) error) int {
	defer startCPUProfile(stderr)()
	opts.Stdout, opts.Stderr = stdout, stderr
	rt, err := runtime.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, "netplay:", err)
		return exitError
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	done := make(chan error, 1)
	go func() {
		err := start(rt)
		if err == nil {
			err = rt.Wait(context.Background())
		}
		done <- err
	}()

	select {
	case err := <-done:
		code := exitOK
		if err != nil {
			printError(stderr, err)
			code = exitError
		}
		ctx, cancel := context.WithTimeout(context.Background(), gracePeriod)
		defer cancel()
		rt.Stop(ctx)
		return code
	case <-sigs:
	}
	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), gracePeriod)
		defer cancel()
		rt.Stop(ctx)
		close(stopped)
	}()
	select {
	case <-stopped:
		return exitOK
	case <-sigs:
		fmt.Fprintln(stderr, "netplay: forced stop")
		return exitInterrupt
	}
}

// printError prints a script error as "file:line: message" plus traceback.
func printError(w io.Writer, err error) {
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		fmt.Fprintln(w, se.Msg)
		if se.Traceback != "" {
			fmt.Fprintln(w, se.Traceback)
		}
		return
	}
	fmt.Fprintln(w, err)
}
