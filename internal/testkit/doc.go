// Package testkit is the test harness shared by netplay's command and
// end-to-end tests: waiting on a condition with a deadline (WaitFor), the
// netplay binary built once per test process (NetplayBin, cleaned up by
// Main), a program on a pseudo-terminal read as a person would (PTY), and
// skipping or failing when an outside peer is missing (NeedTool).
//
// It is imported by _test.go files only.
package testkit
