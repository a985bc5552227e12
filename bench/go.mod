module github.com/netplay-lab/netplay/bench

go 1.26.8

replace github.com/netplay-lab/netplay => ../

require (
	github.com/cloudwego/netpoll v0.7.2
	github.com/netplay-lab/netplay v0.0.0-00010101000000-000000000000
)

require (
	github.com/bytedance/gopkg v0.1.1 // indirect
	github.com/cloudwego/gopkg v0.1.4 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
