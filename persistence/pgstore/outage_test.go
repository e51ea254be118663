package pgstore

import (
	"fmt"
	"testing"
	"time"

	"allot/domain"
	"allot/persistence/pgstore/pgtest"
)

// TestEngine_ridesOutAnOutage takes the server away twice while the
// engine's store appends (its connections killed, new ones refused for
// 300 ms): the store waits, nothing is fatal, and every event is in the
// table once.
func TestEngine_ridesOutAnOutage(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	p := newProxy(t, serverAddr(t))
	fatal := make(chan error, 1)
	e, err := OpenEngine(ctxT(t), p.via(t, url), EngineOptions{OnFatal: func(err error) { fatal <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	killer := db(t, url)
	outages := make(chan struct{})
	go func() {
		defer close(outages)
		for range 2 {
			time.Sleep(100 * time.Millisecond)
			p.down.Store(true)
			_, _ = killer.Exec(ctxT(t), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`)
			time.Sleep(300 * time.Millisecond)
			p.down.Store(false)
		}
	}()
	const entities, perEntity = 20, 40
	var last uint64
	for seq := range uint64(perEntity) {
		for n := range entities {
			last = e.Append(domain.KindNumber, fmt.Sprintf("n%d", n), seq, []byte("event"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	<-outages
	if err := e.WaitDurable(ctxT(t), last); err != nil {
		t.Fatalf("WaitDurable after the outages: %v", err)
	}
	select {
	case err := <-fatal:
		t.Fatalf("the store stopped: %v", err)
	default:
	}
	if n := queryInt(t, killer, "SELECT count(*) FROM allot_events"); n != entities*perEntity {
		t.Fatalf("%d rows, want %d", n, entities*perEntity)
	}
	t.Logf("stats %+v", e.s.Stats())
}
