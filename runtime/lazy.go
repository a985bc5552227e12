package runtime

import (
	"context"
	"sync"
)

// lazyParts are the heavy parts of a runtime, started on first use.
type lazyParts struct {
	mu sync.Mutex
}

// stopLazy stops whatever lazy parts were started.
func (rt *Runtime) stopLazy(ctx context.Context) error {
	return nil
}
