package domain

import (
	"bytes"
	"testing"
)

// Prefetch walks whatever a directory holds, the shapes decoding leaves
// included (nil states, empty strings, no rental), and must leave every
// state exactly as it was.
func TestPrefetch_readsEveryShapeAndChangesNothing(t *testing.T) {
	sparse := &Number{ID: testNum, Ops: []OpID{""}, History: []Holding{{User: 7}}}
	states := []State{nil, (*Number)(nil), (*Wallet)(nil), &Number{}, &Wallet{}, sparse,
		benchNumbers()[0], benchWallets()[0], &Wallet{Entries: []Entry{{}}}, &Payments{}}
	before := make([][]byte, len(states))
	for i, st := range states {
		if st == nil || st == State((*Number)(nil)) || st == State((*Wallet)(nil)) {
			continue
		}
		b, err := AppendState(nil, st)
		if err != nil {
			t.Fatalf("state %d: %v", i, err)
		}
		before[i] = b
	}
	if got := Prefetch(states[:5]); got != 0 {
		t.Errorf("empty states read as %d, want 0", got)
	}
	if got := Prefetch(states); got == 0 {
		t.Error("populated states read as 0: nothing was read")
	}
	for i, st := range states {
		if before[i] == nil {
			continue
		}
		after, err := AppendState(nil, st)
		if err != nil || !bytes.Equal(after, before[i]) {
			t.Errorf("state %d changed: %x, then %x (%v)", i, before[i], after, err)
		}
	}
}
