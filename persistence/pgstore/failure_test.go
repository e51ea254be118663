package pgstore

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"allot/persistence/pgstore/pgtest"
)

// proxy sits between a store and the server and breaks connections when
// the client sends given bytes, or the server answers with them, to put a
// failure exactly before or after a COMMIT.
type proxy struct {
	ln     net.Listener
	target string
	// cut, when set, is looked for in what the client sends; the
	// connection breaks there, after forwarding the bytes if forward.
	cut     atomic.Pointer[[]byte]
	forward atomic.Bool
	// replyCut, when set, is looked for in what the server answers; the
	// connection breaks there and the answer is lost.
	replyCut atomic.Pointer[[]byte]
	times    atomic.Int32 // how many more cuts; 0 disarms
	cuts     atomic.Int32 // cuts made
	// downOnCut makes a cut also take the server away: from then on new
	// connections are closed at once, as if it were unreachable.
	downOnCut atomic.Bool
	down      atomic.Bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

// via rewrites a pgtest URL to go through the proxy.
func (p *proxy) via(t *testing.T, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

// arm breaks the next n connections that send marker.
func (p *proxy) arm(marker string, forward bool, n int32) {
	b := []byte(marker)
	p.cut.Store(&b)
	p.forward.Store(forward)
	p.times.Store(n)
}

// armReply breaks the next n connections whose server answers marker.
func (p *proxy) armReply(marker string, n int32) {
	b := []byte(marker)
	p.replyCut.Store(&b)
	p.times.Store(n)
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		go p.pipe(s, c, &p.replyCut, false)
		go p.pipe(c, s, &p.cut, true)
	}
}

// pipe copies from one side to the other, breaking both at an armed
// marker; only the client's side (fromClient) may forward the chunk that
// holds it.
func (p *proxy) pipe(from, to net.Conn, marker *atomic.Pointer[[]byte], fromClient bool) {
	defer to.Close()
	defer from.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if err != nil {
			return
		}
		chunk := buf[:n]
		if m := marker.Load(); m != nil && bytes.Contains(chunk, *m) && p.times.Add(-1) >= 0 {
			p.cuts.Add(1)
			if p.downOnCut.Load() {
				p.down.Store(true)
			}
			if fromClient && p.forward.Load() {
				_, _ = to.Write(chunk)
			}
			return
		}
		if _, err := to.Write(chunk); err != nil {
			return
		}
	}
}

func proxied(t *testing.T, opts Options) (*Store, *proxy, string) {
	url := pgtest.DB(t)
	p := newProxy(t, serverAddr(t))
	return openT(t, p.via(t, url), opts), p, url
}

// TestStore_retryBeforeCommit breaks the connection while the batch is
// being inserted, once: the writer retries on a new connection and the
// event commits once.
func TestStore_retryBeforeCommit(t *testing.T) {
	t.Parallel()
	s, p, url := proxied(t, Options{})
	p.arm("BREAK-INSERT", false, 1)
	if _, err := s.AppendSync(ev(1, "a", 1, "BREAK-INSERT")); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Retries != 1 || p.cuts.Load() != 1 {
		t.Fatalf("stats %+v, %d cuts: want one retry after one cut", st, p.cuts.Load())
	}
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

// TestStore_failBeforeCommit breaks both attempts before COMMIT: the
// batch's events fail and their entities are fenced, nothing is in the
// table, and the store goes on with other entities.
func TestStore_failBeforeCommit(t *testing.T) {
	t.Parallel()
	s, p, url := proxied(t, Options{RetryFor: -1})
	p.arm("BREAK-INSERT", false, 2)
	_, err := s.AppendSync(ev(1, "a", 1, "BREAK-INSERT"))
	if err == nil || errors.Is(err, ErrCommitUnknown) || errors.Is(err, ErrFenced) {
		t.Fatalf("got %v, want the write's error", err)
	}
	t.Logf("error: %v", err)
	if _, ok := s.Fenced(1, "a"); !ok || s.Err() != nil {
		t.Fatalf("entity a fenced %v, store error %v: want fenced, no store error", ok, s.Err())
	}
	mustAppend(t, s, ev(1, "b", 1, "fine"))
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events WHERE entity = 'a'"); n != 0 {
		t.Fatalf("%d rows of the failed event", n)
	}
}

// fastPath is one of a batch's two ways in, with the bytes that mark its
// commit on the wire: what the client sends when the server has not got
// the commit yet, and what the server answers once it has committed.
type fastPath struct {
	name      string
	withOps   bool   // events carrying op ids take the pipelined inserts
	sent      string // in the client's bytes before the commit reaches the server
	committed string // in the server's answer once the batch committed
}

// fastPaths are COPY (its own transaction: the answer "COPY 2" comes after
// the commit) and BEGIN, inserts and COMMIT in one pipeline.
var fastPaths = []fastPath{
	{name: "copy", sent: "COPY allot_events", committed: "COPY 2\x00"},
	{name: "pipeline", withOps: true, sent: "commit\x00", committed: "COMMIT\x00"},
}

// TestStore_commitResolved breaks the connection as the server answers
// the batch's commit (it committed, the answer is lost), or before the
// server gets it: the writer finds out whether the batch committed (it
// did, or it did not and is written again), and every event is
// acknowledged once, in the table once.
func TestStore_commitResolved(t *testing.T) {
	t.Parallel()
	for _, fp := range fastPaths {
		for _, got := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, server got the commit: %v", fp.name, got), func(t *testing.T) {
				t.Parallel()
				url := pgtest.DB(t)
				p := newProxy(t, serverAddr(t))
				s, g := gatedStore(t, p.via(t, url), Options{MaxBatch: 2})
				if got {
					p.armReply(fp.committed, 1)
				} else {
					p.arm(fp.sent, false, 1)
				}
				twoBatches(t, s, g, fp.withOps, nil)
				st := s.Stats()
				if p.cuts.Load() != 1 || st.Resolved != 1 || s.Err() != nil {
					t.Fatalf("%d cuts, stats %+v, store error %v: want one cut, resolved, no error", p.cuts.Load(), st, s.Err())
				}
				if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events"); n != 4 {
					t.Fatalf("%d rows, want 4", n)
				}
			})
		}
	}
}

// TestStore_commitUnknown breaks the connection as the server answers
// the batch's commit and takes the server away until RetryFor is over:
// the batch's events fail with ErrCommitUnknown, so do the ones queued
// behind it, and the store refuses everything after.
func TestStore_commitUnknown(t *testing.T) {
	t.Parallel()
	for _, fp := range fastPaths {
		t.Run(fp.name, func(t *testing.T) {
			t.Parallel()
			commitUnknown(t, fp)
		})
	}
}

func commitUnknown(t *testing.T, fp fastPath) {
	url := pgtest.DB(t)
	p := newProxy(t, serverAddr(t))
	s, g := gatedStore(t, p.via(t, url), Options{MaxBatch: 2, RetryFor: 300 * time.Millisecond})
	p.downOnCut.Store(true)
	p.armReply(fp.committed, 1)
	twoBatches(t, s, g, fp.withOps, ErrCommitUnknown)
	if !errors.Is(s.Err(), ErrCommitUnknown) {
		t.Fatalf("Err() = %v", s.Err())
	}
	if _, err := s.AppendSync(ev(1, "b", 1, "p")); !errors.Is(err, ErrCommitUnknown) {
		t.Fatalf("append after an unknown commit: %v", err)
	}
	if err := s.WaitDurable(ctxT(t), s.LastSeq()+1); !errors.Is(err, ErrCommitUnknown) {
		t.Fatalf("WaitDurable: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrCommitUnknown) {
		t.Fatalf("Close: %v", err)
	}
	// The first batch committed before its answer was lost; the second
	// never went out.
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events"); n != 2 {
		t.Fatalf("%d rows, want the unknown batch's 2 and not the one behind it", n)
	}
}

// TestStore_outage takes the server away for a while under a batch: the
// writer waits it out and the events commit once, acknowledged. The cut
// comes after the batch's statements, COMMIT among them, left this
// process, so the writer first finds out that it did not commit.
func TestStore_outage(t *testing.T) {
	t.Parallel()
	url := pgtest.DB(t)
	p := newProxy(t, serverAddr(t))
	s := openT(t, p.via(t, url), Options{})
	p.downOnCut.Store(true)
	p.arm("BREAK-INSERT", false, 1)
	go func() {
		time.Sleep(700 * time.Millisecond)
		p.down.Store(false)
	}()
	if _, err := s.AppendSync(ev(1, "a", 1, "BREAK-INSERT")); err != nil {
		t.Fatalf("an append across a short outage: %v", err)
	}
	if st := s.Stats(); st.Resolved != 1 || st.Retries < 1 || s.Err() != nil {
		t.Fatalf("stats %+v, store error %v: want the outcome found out, then a retry", st, s.Err())
	}
	if n := queryInt(t, db(t, url), "SELECT count(*) FROM allot_events"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

// twoBatches queues four events of one entity on a gated store that takes
// two a batch, each with an op id if withOps, lets the writer go, and
// checks every outcome is want.
func twoBatches(t *testing.T, s *Store, g *gate, withOps bool, want error) {
	t.Helper()
	o := newOutcome()
	for seq := uint64(1); seq <= 4; seq++ {
		e := ev(1, "a", seq, "p")
		if withOps {
			e.Op = fmt.Sprintf("op-%d", seq)
		}
		o.add(s, e)
	}
	g.free()
	o.wg.Wait()
	for seq := 1; seq <= 4; seq++ {
		o.wantErr(t, fmt.Sprintf("a/%d", seq), want)
	}
}

func serverAddr(t *testing.T) string {
	u, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:"+fmt.Sprint(pgtest.Shared(t).Port()))
	return u.String()
}

// TestStore_connectionsKilled appends from many goroutines while another
// connection terminates the store's backends again and again: whatever
// fails, every acknowledged event is in the table afterwards, every event
// refused before commit is not, and no entity has a gap.
func TestStore_connectionsKilled(t *testing.T) {
	t.Parallel()
	s, url := newStore(t)
	killer := db(t, url)
	var stop atomic.Bool
	var mu sync.Mutex
	acked := map[string]uint64{}   // entity → last acknowledged seq
	refused := map[string]uint64{} // entity → seq that certainly did not commit
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entity := fmt.Sprintf("w%d", w)
			for seq := uint64(1); !stop.Load(); seq++ {
				_, err := s.AppendSync(ev(1, entity, seq, entity))
				mu.Lock()
				if err == nil {
					acked[entity] = seq
				} else if !errors.Is(err, ErrCommitUnknown) {
					refused[entity] = seq
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	for range 10 {
		time.Sleep(20 * time.Millisecond)
		if _, err := killer.Exec(ctxT(t), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	st := s.Stats()
	t.Logf("stats %+v, store error %v, %d entities refused", st, s.Err(), len(refused))
	if st.Retries+st.Failed == 0 && s.Err() == nil {
		t.Fatal("the store never noticed its connections being killed")
	}
	checkAcked(t, url, acked, refused)
}

func checkAcked(t *testing.T, url string, acked, refused map[string]uint64) {
	t.Helper()
	conn := db(t, url)
	for entity, last := range acked {
		n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE entity = $1 AND seq <= $2", entity, last)
		if n != int(last) {
			t.Errorf("entity %s: %d of %d acknowledged events in the table", entity, n, last)
		}
	}
	for entity, seq := range refused {
		if n := queryInt(t, conn, "SELECT count(*) FROM allot_events WHERE entity = $1 AND seq >= $2", entity, seq); n != 0 {
			t.Errorf("entity %s: seq %d failed before commit but is in the table", entity, seq)
		}
	}
	if gaps := queryInt(t, conn, "SELECT count(*) FROM (SELECT entity FROM allot_events GROUP BY entity HAVING max(seq) <> count(*)) g"); gaps != 0 {
		t.Errorf("%d entities have a gap", gaps)
	}
}
