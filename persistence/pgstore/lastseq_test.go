package pgstore

import (
	"context"
	"testing"
	"time"

	"allot/persistence/pgstore/pgtest"
)

// A writer killed just after sending COMMIT leaves the server to finish its
// transaction after the next process has opened. The new store must count
// those events before it hands out a sequence, or it would give theirs out
// again.
func TestOpen_WaitsForAnUnfinishedWrite(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	first := openT(t, url, Options{})
	if err := first.Close(); err != nil { // creates the tables
		t.Fatal(err)
	}
	conn := db(t, url)
	ctx := ctxT(t)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO allot_events (kind, entity, seq, gseq, payload) VALUES (1, 'w', 1, 41, '\x00')`); err != nil {
		t.Fatal(err)
	}
	opened := make(chan *Store, 1)
	go func() {
		s, err := Open(context.Background(), url, Options{})
		if err != nil {
			t.Error(err)
		}
		opened <- s
	}()
	time.Sleep(300 * time.Millisecond) // the open is waiting on the unfinished insert by now, or will find it done
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s := <-opened
	if s == nil {
		return
	}
	defer s.Close()
	if s.LastSeq() != 41 {
		t.Fatalf("the new store goes on from %d, below the committed 41", s.LastSeq())
	}
}
