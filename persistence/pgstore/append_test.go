package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestStore_AppendLoad(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	ctx := ctxT(t)
	var last uint64
	for seq := uint64(1); seq <= 5; seq++ {
		for _, entity := range []string{"alice", "bob"} {
			e := ev(1, entity, seq, fmt.Sprintf("%s-%d", entity, seq))
			if seq == 3 {
				e.Op = "op-" + entity
			}
			g := mustAppend(t, s, e)
			if g <= last {
				t.Fatalf("gseq %d after %d: not increasing", g, last)
			}
			last = g
		}
	}
	mustAppend(t, s, ev(2, "alice", 1, "another kind"))
	snap, events, err := s.Load(ctx, 1, "alice")
	if err != nil || snap != nil || len(events) != 5 {
		t.Fatalf("Load: snap %v, %d events, err %v", snap, len(events), err)
	}
	for i, e := range events {
		if e.Seq != uint64(i+1) || string(e.Payload) != fmt.Sprintf("alice-%d", i+1) || e.Kind != 1 || e.Entity != "alice" {
			t.Fatalf("event %d: %+v", i, e)
		}
		if (e.Op != "") != (e.Seq == 3) {
			t.Fatalf("event %d op %q", i, e.Op)
		}
	}
	if n, err := s.LastEntitySeq(ctx, 1, "bob"); err != nil || n != 5 {
		t.Fatalf("LastEntitySeq(bob) = %d, %v", n, err)
	}
	if n, err := s.LastEntitySeq(ctx, 1, "nobody"); err != nil || n != 0 {
		t.Fatalf("LastEntitySeq(nobody) = %d, %v", n, err)
	}
	if s.LastSeq() != last+1 || s.DurableSeq() != last+1 {
		t.Fatalf("LastSeq %d DurableSeq %d, want %d", s.LastSeq(), s.DurableSeq(), last+1)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A reopened store continues the global sequence.
	s2 := openT(t, url, Options{})
	if g := mustAppend(t, s2, ev(1, "carol", 1, "x")); g != last+2 {
		t.Fatalf("gseq after reopen %d, want %d", g, last+2)
	}
}

// TestStore_groupCommit appends from many goroutines at once: all commit,
// in fewer transactions than events, and the table holds exactly them.
func TestStore_groupCommit(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	const writers, each = 32, 100
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := uint64(1); seq <= each; seq++ {
				wg.Add(1)
				s.Append(ev(7, fmt.Sprintf("w%d", w), seq, "p"), func(_ uint64, err error) {
					if err != nil {
						errs <- err
					}
					wg.Done()
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := s.WaitDurable(ctxT(t), s.LastSeq()); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	t.Logf("%d events in %d batches (mean %.1f), mean commit %v, max %v", st.Events, st.Batches, st.MeanBatch(), st.MeanCommit(), st.MaxCommit)
	if st.Events != writers*each || st.MeanBatch() <= 1 {
		t.Fatalf("stats %+v: want %d events, more than one per batch on average", st, writers*each)
	}
	if st.Careful != 0 {
		t.Fatalf("stats %+v: %d batches without a conflict written row by row, want all by the plain insert", st, st.Careful)
	}
	conn := db(t, url)
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_events"); n != writers*each {
		t.Fatalf("%d rows, want %d", n, writers*each)
	}
	if n := queryInt(t, conn, "SELECT count(DISTINCT gseq) FROM allot_events"); n != writers*each {
		t.Fatalf("%d distinct gseqs, want %d", n, writers*each)
	}
}

func TestStore_WaitDurable(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	var g uint64
	for seq := uint64(1); seq <= 50; seq++ {
		g = s.Append(ev(1, "e", seq, "p"), nil)
	}
	if err := s.WaitDurable(ctxT(t), g); err != nil {
		t.Fatal(err)
	}
	if s.DurableSeq() < g {
		t.Fatalf("DurableSeq %d < %d after WaitDurable", s.DurableSeq(), g)
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	cancel()
	if err := s.WaitDurable(ctx, g+100); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitDurable beyond the last gseq with a cancelled context: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitDurable(ctxT(t), g+100); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitDurable after Close: %v", err)
	}
}

// TestStore_CloseDrains closes right after queueing: every queued event
// is committed and acknowledged before Close returns.
func TestStore_CloseDrains(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	o := newOutcome()
	for seq := uint64(1); seq <= 500; seq++ {
		o.add(s, ev(1, "e", seq, "p"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	o.wg.Wait()
	for k, err := range o.errs {
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events"); n != 500 {
		t.Fatalf("%d rows after Close, want 500", n)
	}
	if _, err := s.AppendSync(ev(1, "e", 501, "p")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
}

func TestStore_AppendInvalid(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	for _, e := range []Event{
		{Kind: 1, Entity: "a", Seq: 0},
		{Kind: 1, Entity: "a", Seq: 1 << 63},
		{Kind: 1, Entity: "a\x00b", Seq: 1},
		{Kind: 1, Entity: "\xff\xfe", Seq: 1},
		{Kind: 1, Entity: "a", Seq: 1, Op: "bad\x00op"},
		{Kind: 1, Entity: strings.Repeat("x", MaxKeyLen+1), Seq: 1},
		{Kind: 1, Entity: "a", Seq: 1, Payload: make([]byte, MaxPayload+1)},
	} {
		called := false
		g := s.Append(e, func(g uint64, err error) {
			called = true
			if g != 0 || !errors.Is(err, ErrInvalidEvent) {
				t.Errorf("entity %.20q seq %d: done(%d, %v), want ErrInvalidEvent", e.Entity, e.Seq, g, err)
			}
		})
		if g != 0 || !called {
			t.Errorf("entity %.20q seq %d: Append returned %d, done called %v; want 0 and a synchronous done", e.Entity, e.Seq, g, called)
		}
	}
	// Nothing was written, and the store still works.
	mustAppend(t, s, Event{Kind: 1, Entity: "ok", Seq: 1})
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

// TestStore_conflictFencesOnlyItsEntity queues one batch with a conflict
// (seq 1 of "a", already written by another store), a later event of the
// same entity, and another entity's event: the conflict and the later
// event are refused and absent, the other entity commits.
func TestStore_conflictFencesOnlyItsEntity(t *testing.T) {
	t.Parallel()
	other, url := newStore(t)
	mustAppend(t, other, ev(1, "a", 1, "theirs"))
	s, g := gatedStore(t, url, Options{})
	o := newOutcome()
	o.add(s, ev(1, "a", 1, "mine"))
	o.add(s, ev(1, "a", 2, "mine"))
	o.add(s, ev(1, "b", 1, "mine"))
	g.release()
	o.wg.Wait()
	o.wantErr(t, "a/1", ErrFenced)
	o.wantErr(t, "a/2", ErrFenced)
	o.wantErr(t, "b/1", nil)
	var ee *EventError
	if !errors.As(o.err("a/1"), &ee) || ee.Entity != "a" || ee.Seq != 1 || !strings.Contains(ee.Error(), `entity "a" seq 1`) {
		t.Fatalf("conflict error %v does not name the event", o.err("a/1"))
	}
	conn := db(t, url)
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE entity = 'a'"); n != 1 {
		t.Fatalf("entity a has %d rows, want only the other store's", n)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE payload = 'theirs'"); n != 1 {
		t.Fatal("the other store's row was replaced")
	}
	// The entity stays fenced until Unfence; a reload then continues it.
	if _, ok := s.Fenced(1, "a"); !ok {
		t.Fatal("entity a is not fenced")
	}
	g.free()
	if _, err := s.AppendSync(ev(1, "a", 2, "mine")); !errors.Is(err, ErrFenced) {
		t.Fatalf("append to a fenced entity: %v", err)
	}
	s.Unfence(1, "a")
	last, err := s.LastEntitySeq(ctxT(t), 1, "a")
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, ev(1, "a", last+1, "mine after reload"))
	if st := s.Stats(); st.Conflicts != 2 || st.Events != 2 || st.Careful != 1 {
		t.Fatalf("stats %+v, want 2 conflicts and 2 events, the conflict's batch written row by row", st)
	}
}

// TestStore_fenceDropsQueued checks that events of an entity queued
// behind its conflict (in later batches) are dropped with ErrFenced.
func TestStore_fenceDropsQueued(t *testing.T) {
	t.Parallel()
	other, url := newStore(t)
	mustAppend(t, other, ev(1, "a", 1, "theirs"))
	s, g := gatedStore(t, url, Options{MaxBatch: 1})
	o := newOutcome()
	o.add(s, ev(1, "a", 1, "mine"))
	o.add(s, ev(1, "a", 2, "mine"))
	o.add(s, ev(1, "b", 1, "mine"))
	g.free()
	o.wg.Wait()
	o.wantErr(t, "a/1", ErrFenced)
	o.wantErr(t, "a/2", ErrFenced)
	o.wantErr(t, "b/1", nil)
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events WHERE entity = 'a'"); n != 1 {
		t.Fatalf("entity a has %d rows, want 1", n)
	}
}

// TestStore_duplicateOp: an event whose op id is recorded is refused with
// ErrDuplicateOp, its entity's later events in the batch with ErrFenced,
// and the batch's other events commit, including a second event carrying
// one op id twice in the batch being refused.
func TestStore_duplicateOp(t *testing.T) {
	t.Parallel()
	first, url := newStore(t)
	e := ev(1, "x", 1, "first")
	e.Op = "pay-42"
	mustAppend(t, first, e)
	s, g := gatedStore(t, url, Options{})
	o := newOutcome()
	dup := ev(1, "c", 1, "again")
	dup.Op = "pay-42"
	o.add(s, dup)
	o.add(s, ev(1, "c", 2, "after"))
	fresh := ev(1, "d", 1, "new op")
	fresh.Op = "pay-43"
	o.add(s, fresh)
	twice := ev(1, "e", 1, "same op in one batch")
	twice.Op = "pay-43"
	o.add(s, twice)
	g.release()
	o.wg.Wait()
	o.wantErr(t, "c/1", ErrDuplicateOp)
	o.wantErr(t, "c/2", ErrFenced)
	o.wantErr(t, "d/1", nil)
	o.wantErr(t, "e/1", ErrDuplicateOp)
	conn := db(t, url)
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE entity IN ('c', 'e')"); n != 0 {
		t.Fatalf("%d rows of refused events", n)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM allot_operations"); n != 2 {
		t.Fatalf("%d op rows, want 2", n)
	}
	for op, want := range map[string]bool{"pay-42": true, "pay-43": true, "pay-44": false} {
		if got, err := s.HasOp(ctxT(t), op); err != nil || got != want {
			t.Errorf("HasOp(%s) = %v, %v", op, got, err)
		}
	}
	if st := s.Stats(); st.DuplicateOps != 2 {
		t.Errorf("stats %+v, want 2 duplicate ops", st)
	}
	_, events, err := s.Load(ctxT(t), 1, "d")
	if err != nil || len(events) != 1 || events[0].Op != "pay-43" || !bytes.Equal(events[0].Payload, []byte("new op")) {
		t.Fatalf("Load(d) = %+v, %v", events, err)
	}
}
