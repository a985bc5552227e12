package main

import "github.com/netplay-lab/netplay/runtime"

// closest returns the candidate nearest to name by edit distance (an
// adjacent swap counts as one edit), or "" when none is near enough to be a
// likely typo: at most two edits, and fewer edits than name has letters.
func closest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := runtime.EditDistance(name, c); d < bestD && d < len(name) {
			best, bestD = c, d
		}
	}
	return best
}
