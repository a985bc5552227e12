module github.com/netplay-lab/netplay

go 1.26.8

require (
	github.com/HdrHistogram/hdrhistogram-go v1.1.2
	github.com/chzyer/readline v1.5.1
	github.com/creack/pty v1.1.24
	github.com/gorilla/websocket v1.5.3
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/sys v0.50.0
)

require golang.org/x/sync v0.11.0 // indirect
