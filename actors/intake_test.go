package actors

import (
	"context"
	"slices"
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
