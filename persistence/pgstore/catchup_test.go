package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/persistence/pgstore/pgtest"
)

// A killed writer's last statements can commit on its server backend
// after the next process has read the table's end (they had not begun
// when it took its lock). Recovery reads the end again, replays them, and
// the store goes on after them: nothing is handed out twice and nothing
// waits for ever on a sequence it will never write.
func TestRecover_ReplaysWhatCommittedAfterTheOpen(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	ctx := ctxT(t)
	pre := openT(t, url, Options{}) // the predecessor, as far as it got acknowledged
	first := mustAppend(t, pre, ev(1, "w", 1, "a"))
	if err := pre.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := OpenEngine(ctx, url, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.LastSeq() != first {
		t.Fatalf("opened at gseq %d, want %d", e.LastSeq(), first)
	}
	// Its last batch, committed after the open read the end.
	if _, err := db(t, url).Exec(ctx, `INSERT INTO allot_events (kind, entity, seq, gseq, payload) VALUES
		(1, 'w', 2, $1, '\x00'), (2, 'n', 1, $2, '\x00')`, first+1, first+2); err != nil {
		t.Fatal(err)
	}
	var replayed []uint64
	info, err := e.Recover(func(uint64, []byte) error { return nil }, func(seq uint64, _ []byte) error {
		replayed = append(replayed, seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(replayed) == 0 || replayed[len(replayed)-1] != first+2 {
		t.Fatalf("replayed gseqs %v, want them to end at the late %d", replayed, first+2)
	}
	if info.LastSeq != first+2 || e.LastSeq() != first+2 {
		t.Fatalf("the store goes on from %d (info %d), want %d", e.LastSeq(), info.LastSeq, first+2)
	}
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.WaitDurable(wait, first+2); err != nil {
		t.Fatalf("waiting on the late events: %v", err)
	}
	if next := mustAppend(t, e.s, ev(1, "w", 3, "b")); next != first+3 {
		t.Fatalf("the next event got gseq %d, want %d", next, first+3)
	}
}

// Once this store has handed out sequences, even ones already committed,
// a late commit found by catchUp may have taken them: it refuses instead
// of going on.
func TestCatchUp_RefusesAfterAnAppend(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	ctx := ctxT(t)
	mine := mustAppend(t, s, ev(1, "x", 1, "a"))
	if _, err := db(t, url).Exec(ctx, `INSERT INTO allot_events (kind, entity, seq, gseq, payload) VALUES (1, 'y', 1, $1, '\x00')`,
		mine+4); err != nil {
		t.Fatal(err)
	}
	_, err := s.catchUp(ctx)
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("catchUp after an append: %v, want a refusal", err)
	}
	t.Log(err)
}
