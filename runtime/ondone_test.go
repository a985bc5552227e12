package runtime

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestOnDoneRunsBeforeWaitReturns checks that Wait never returns while an
// on_done callback is due: one whose ctx was cancelled just before the script
// ended, and one whose ctx has a deadline that has not passed yet.
func TestOnDoneRunsBeforeWaitReturns(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			name: "cancel just before the script ends",
			src: `local ctx, cancel = context.with_cancel(context.background())
ctx:on_done(function(err) print("fired:", err) end)
cancel()`,
			want: "fired:\tcontext canceled\n",
		},
		{
			name: "deadline still ahead when the script ends",
			src: `local ctx = context.with_timeout(context.background(), 0.05)
ctx:on_done(function(err) print("fired:", err) end)`,
			want: "fired:\tcontext deadline exceeded\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 20; i++ {
				rt, out, _ := newTestRuntime(t, Options{})
				if err := rt.RunString("ondone.lua", tt.src); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := rt.Wait(ctx)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				if got := out.String(); !strings.Contains(got, tt.want) {
					t.Fatalf("run %d: Wait returned before on_done ran; output %q", i, got)
				}
			}
		})
	}
}
