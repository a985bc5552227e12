// Package labs embeds netplay's teaching labs, so a `go install`ed binary
// carries them. Each lab is a folder NN-name holding README.md (the lesson),
// starter.lua (what the learner edits), check.lua (the staged checker) and
// any other file the learner starts with (a loop-VM handler); testdata/ (the
// reference and wrong solutions the tests run) is left out of the binary.
package labs

import "embed"

// FS holds every lab folder.
//
//go:embed */README.md */*.lua
var FS embed.FS
