// Command freeport prints a TCP port on 127.0.0.1 that was free a moment ago,
// for servers (redis-server, netplay scripts) that must be told their port
// instead of choosing one themselves. The port is released before freeport
// exits, so another process could take it first; the runner checks that its
// server came up.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "freeport: listen 127.0.0.1:0: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
}
