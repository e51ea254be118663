package csvstore

import (
	"context"
	"sync"
)

// locks serialises the calls on each tab: a read-modify-write of a file
// must not interleave with another on the same file. A lock is a channel
// of one slot rather than a mutex so that a caller can stop waiting when
// its context ends.
type locks struct {
	mu     sync.Mutex
	byPath map[string]chan struct{} // grows with the tabs used; never shrinks
}

// acquire takes the lock of the file at path and returns its release.
func (l *locks) acquire(ctx context.Context, path string) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.byPath == nil {
		l.byPath = make(map[string]chan struct{})
	}
	slot, ok := l.byPath[path]
	if !ok {
		slot = make(chan struct{}, 1)
		l.byPath[path] = slot
	}
	l.mu.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
