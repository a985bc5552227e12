// Command netplay is a scriptable network-protocol playground.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("netplay", version)
		return
	}
	fmt.Fprintln(os.Stderr, "netplay: the shell and `run` are not built yet; only `netplay version` works")
	os.Exit(2)
}
