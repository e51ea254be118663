package persistence

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// countingWriter counts the chunks written to it and keeps nothing.
type countingWriter struct{ chunks, bytes atomic.Int64 }

func (w *countingWriter) WriteAt(p []byte, _ int64) (int, error) {
	w.chunks.Add(1)
	w.bytes.Add(int64(len(p)))
	return len(p), nil
}

func (w *countingWriter) Name() string { return "counting" }

// TestWriteZeros_LetsQueuedGoroutinesRun checks that a segment's zero
// fill yields between its writes: a goroutine made runnable before it
// started runs before the last write, on a single processor. Without the
// yield it ran only once writeZeros returned (the runtime preempts a
// goroutine only after 10 ms of running, far longer than these writes).
func TestWriteZeros_LetsQueuedGoroutinesRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	w := &countingWriter{}
	const size = 64 << 20
	ranAt := make(chan int64, 1)
	go func() { ranAt <- w.chunks.Load() }()
	if err := writeZeros(w, 0, size); err != nil {
		t.Fatal(err)
	}
	if got := w.bytes.Load(); got != size {
		t.Fatalf("wrote %d bytes, want %d", got, size)
	}
	total := w.chunks.Load()
	if at := <-ranAt; at >= total {
		t.Fatalf("the queued goroutine ran after all %d writes; want it to run between them", total)
	}
}
