package actors

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestEngine_HandledUpdatesOutliveARestart: the updates the bot recorded
// are there after a restart, from the journal and from a snapshot alike.
func TestEngine_HandledUpdatesOutliveARestart(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	e := openTest(t, dir, c, nil)
	ctx := ctxT(t)
	for _, id := range []int64{901, 902, 902, 0, 903} {
		e.UpdateHandled(id)
	}
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := []int64{901, 902, 903}
	if got, err := e.HandledUpdates(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("HandledUpdates = %v, %v; want %v", got, err, want)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil) // from the journal
	if got, err := e.HandledUpdates(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("after a restart: %v, %v; want %v", got, err, want)
	}
	e.UpdateHandled(904)
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	e = openTest(t, dir, c, nil) // from the snapshot
	want = append(want, 904)
	if got, err := e.HandledUpdates(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("after a snapshot and a restart: %v, %v; want %v", got, err, want)
	}
}

// TestEngine_HandledUpdatesInBatches: updates reported at once from many
// sessions, batched while one batch is in flight, are all recorded.
func TestEngine_HandledUpdatesInBatches(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	ctx := ctxT(t)
	before := e.store.LastSeq()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				e.UpdateHandled(int64(1 + g*100 + i))
			}
		}()
	}
	wg.Wait()
	if err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.HandledUpdates(ctx)
	if err != nil || len(got) != 800 {
		t.Fatalf("HandledUpdates: %d ids, %v; want 800", len(got), err)
	}
	t.Logf("%d journal records for 800 updates", e.store.LastSeq()-before) // how many depends on the scheduling
}
