// Command nethttpclient is the HTTP client benchmark's reference: Go's
// http.Client with G goroutines fetching one URL for a duration.
//
//	nethttpclient -url http://127.0.0.1:8080/ [-g 50] [-d 5s]
//
// It prints one line: "rps=N requests=N errors=N".
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "URL to fetch (loopback)")
	g := flag.Int("g", 50, "goroutines")
	d := flag.Duration("d", 5*time.Second, "duration")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "nethttpclient: -url is required")
		os.Exit(2)
	}
	// Go's defaults but enough idle conns per host for every goroutine, as
	// the netplay side gets (max_idle_conns_per_host = g).
	tr := &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: *g, IdleConnTimeout: 90 * time.Second}
	client := &http.Client{Transport: tr}
	var n, errs atomic.Int64
	deadline := time.Now().Add(*d)
	var wg sync.WaitGroup
	start := time.Now()
	for range *g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				res, err := client.Get(*url)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	fmt.Printf("rps=%.0f requests=%d errors=%d\n", float64(n.Load())/el, n.Load(), errs.Load())
}
