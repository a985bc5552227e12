module github.com/netplay-lab/netplay/bench

go 1.26.8

replace github.com/netplay-lab/netplay => ../

require github.com/cloudwego/netpoll v0.7.2

require (
	github.com/bytedance/gopkg v0.1.1 // indirect
	github.com/cloudwego/gopkg v0.1.4 // indirect
)
