// Package storetest is the contract every actors.Store keeps, as tests: the
// data directory's files and PostgreSQL both run it, so the engine can run
// on either and nobody has to read two implementations to know what holds.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// Opener opens the store under test. Every call within one test must open
// the same backing (directory, database), so that a reopen sees what was
// written before; each test gets a fresh backing from Fresh.
type Opener func(t testing.TB, h actors.StoreHooks) actors.Store

// Fresh returns an Opener over a new, empty backing for one test.
type Fresh func(t testing.TB) Opener

// Run runs the whole contract against the stores fresh makes.
func Run(t *testing.T, fresh Fresh) {
	t.Run("RecoverReplaysEverythingInOrder", func(t *testing.T) { recoverInOrder(t, fresh(t)) })
	t.Run("SnapshotThenTheRecordsAfterIt", func(t *testing.T) { snapshotThenAfter(t, fresh(t)) })
	t.Run("CompactKeepsWhatRecoveryNeeds", func(t *testing.T) { compactKeeps(t, fresh(t)) })
	t.Run("RefusesWhatItCannotKeep", func(t *testing.T) { refuses(t, fresh(t)) })
	t.Run("ConcurrentAppendsBecomeDurable", func(t *testing.T) { concurrent(t, fresh(t)) })
	t.Run("RecoverStopsAtAnError", func(t *testing.T) { recoverError(t, fresh(t)) })
	t.Run("AppendCopiesThePayload", func(t *testing.T) { appendCopies(t, fresh(t)) })
}

// Record is a real encoded record (a wallet credit), as the engine appends:
// a store may read the entity out of it.
func Record(t testing.TB, user int, n int64) []byte {
	t.Helper()
	b, err := domain.EncodeRecord(domain.Record{Kind: domain.KindWallet, ID: strconv.Itoa(user),
		Event: &domain.WalletCredited{Op: domain.OpID("tx:" + strconv.FormatInt(n, 10)), Kind: domain.KindRecharge,
			Amount: domain.Nano(n), At: time.Unix(1_700_000_000, 0).UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// largeRecord is Record with a note of 100 kB.
func largeRecord(t testing.TB, n int64) []byte {
	t.Helper()
	b, err := domain.EncodeRecord(domain.Record{Kind: domain.KindWallet, ID: "1",
		Event: &domain.WalletCredited{Op: domain.OpID("tx:" + strconv.FormatInt(n, 10)), Kind: domain.KindRecharge,
			Amount: domain.Nano(n), Note: strings.Repeat("n", 100<<10), At: time.Unix(1_700_000_000, 0).UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hooks counts the batches a store reports and fails the test on a fatal
// error the test did not expect.
type hooks struct {
	mu      sync.Mutex
	synced  int
	records int
	fatal   error
}

func (h *hooks) get(t testing.TB) actors.StoreHooks {
	return actors.StoreHooks{
		OnSync: func(_ time.Duration, n int) {
			h.mu.Lock()
			h.synced++
			h.records += n
			h.mu.Unlock()
		},
		OnFatal: func(err error) {
			h.mu.Lock()
			h.fatal = err
			h.mu.Unlock()
		},
	}
}

// waitRecords waits, ten seconds at most, until OnSync has reported n
// records, and returns what it reported.
func (h *hooks) waitRecords(n int) (batches, records int) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		h.mu.Lock()
		batches, records = h.synced, h.records
		h.mu.Unlock()
		if records >= n || time.Now().After(deadline) {
			return batches, records
		}
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// chain appends n records for users 1..users in turn, each with its
// entity's previous sequence, and returns the payloads by sequence.
func chain(t testing.TB, s actors.Store, n, users int, last map[int]uint64, from int64) map[uint64][]byte {
	t.Helper()
	out := map[uint64][]byte{}
	for i := 0; i < n; i++ {
		u := 1 + i%users
		p := Record(t, u, from+int64(i))
		seq := s.Append(domain.KindWallet, strconv.Itoa(u), last[u], p)
		if seq == 0 {
			t.Fatalf("append %d refused: %v", i, s.Err())
		}
		last[u] = seq
		out[seq] = p
	}
	if err := s.WaitDurable(ctx(t), s.LastSeq()); err != nil {
		t.Fatalf("wait durable: %v", err)
	}
	return out
}

// recovered is what a Recover call handed over.
type recovered struct {
	snapSeq  uint64
	snapshot []byte
	seqs     []uint64
	payloads map[uint64][]byte
}

func recoverAll(t testing.TB, s actors.Store) (recovered, persistence.RecoveryInfo) {
	t.Helper()
	r := recovered{payloads: map[uint64][]byte{}}
	info, err := s.Recover(func(seq uint64, p []byte) error {
		r.snapSeq, r.snapshot = seq, bytes.Clone(p)
		return nil
	}, func(seq uint64, p []byte) error {
		r.seqs = append(r.seqs, seq)
		r.payloads[seq] = bytes.Clone(p)
		return nil
	})
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	return r, info
}

func closeStore(t testing.TB, s actors.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func recoverInOrder(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	if _, info := recoverAll(t, s); info.LastSeq != 0 || info.SnapshotSeq != 0 {
		t.Fatalf("a new store recovered %+v", info)
	}
	want := chain(t, s, 300, 7, map[int]uint64{}, 1)
	last := s.LastSeq()
	if s.DurableSeq() < last {
		t.Fatalf("durable %d below %d after WaitDurable", s.DurableSeq(), last)
	}
	// OnSync runs after DurableSeq moves, so the last batch's call may
	// still be under way when WaitDurable returns.
	if batches, records := h.waitRecords(300); batches == 0 || records < 300 {
		t.Errorf("OnSync reported %d batches, %d records; want all 300", batches, records)
	}
	closeStore(t, s)
	if s.Append(domain.KindWallet, "1", last, Record(t, 1, 9999)) != 0 {
		t.Error("a closed store took an append")
	}
	s = open(t, h.get(t))
	defer closeStore(t, s)
	got, info := recoverAll(t, s)
	if got.snapshot != nil || len(got.seqs) != len(want) || info.LastSeq != last || s.LastSeq() != last {
		t.Fatalf("recovered %d records (snapshot %v), last %d/%d; want %d, last %d",
			len(got.seqs), got.snapshot != nil, info.LastSeq, s.LastSeq(), len(want), last)
	}
	checkOrder(t, got, want)
	next := s.Append(domain.KindWallet, "1", last, Record(t, 1, 10_000))
	if next <= last {
		t.Errorf("after a reopen the next sequence is %d, not above %d", next, last)
	}
}

func checkOrder(t testing.TB, got recovered, want map[uint64][]byte) {
	t.Helper()
	for i, seq := range got.seqs {
		if i > 0 && seq <= got.seqs[i-1] {
			t.Fatalf("replay out of order: %d after %d", seq, got.seqs[i-1])
		}
		if !bytes.Equal(got.payloads[seq], want[seq]) {
			t.Fatalf("record %d came back changed", seq)
		}
	}
}

func snapshotThenAfter(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	recoverAll(t, s)
	last := map[int]uint64{}
	chain(t, s, 50, 5, last, 1)
	at := s.LastSeq()
	snap := bytes.Repeat([]byte("state "), 5000)
	if _, err := s.WriteSnapshot(at, func(w io.Writer) error { _, err := w.Write(snap); return err }); err != nil {
		t.Fatalf("write snapshot: %v", err)
	}
	if _, err := s.WriteSnapshot(at+1000, func(io.Writer) error { return errors.New("the engine gave up") }); err == nil {
		t.Fatal("a snapshot whose writer failed was kept")
	}
	after := chain(t, s, 30, 5, last, 100)
	list, err := s.Snapshots()
	if err != nil || len(list) != 1 || list[0].Seq != at {
		t.Fatalf("snapshots %+v, %v; want one at %d", list, err, at)
	}
	closeStore(t, s)
	s = open(t, h.get(t))
	defer closeStore(t, s)
	got, info := recoverAll(t, s)
	if got.snapSeq != at || !bytes.Equal(got.snapshot, snap) || info.SnapshotSeq != at {
		t.Fatalf("restored snapshot at %d (%d bytes), want %d (%d bytes)", got.snapSeq, len(got.snapshot), at, len(snap))
	}
	if len(got.seqs) != len(after) {
		t.Fatalf("replayed %d records after the snapshot, want %d", len(got.seqs), len(after))
	}
	checkOrder(t, got, after)
}

func compactKeeps(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	recoverAll(t, s)
	last := map[int]uint64{}
	var after map[uint64][]byte
	var newest uint64
	for round := 0; round < 4; round++ {
		chain(t, s, 40, 4, last, int64(round*100))
		newest = s.LastSeq()
		body := []byte(fmt.Sprintf("snapshot %d", round))
		if _, err := s.WriteSnapshot(newest, func(w io.Writer) error { _, err := w.Write(body); return err }); err != nil {
			t.Fatal(err)
		}
		if err := s.Compact(2); err != nil {
			t.Fatalf("compact: %v", err)
		}
		after = chain(t, s, 10, 4, last, int64(round*100+50))
	}
	closeStore(t, s)
	s = open(t, h.get(t))
	defer closeStore(t, s)
	got, _ := recoverAll(t, s)
	if got.snapSeq != newest || string(got.snapshot) != "snapshot 3" || len(got.seqs) != len(after) {
		t.Fatalf("after compaction: snapshot %d %q, %d records; want %d, %q, %d",
			got.snapSeq, got.snapshot, len(got.seqs), newest, "snapshot 3", len(after))
	}
	checkOrder(t, got, after)
}

func refuses(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	defer closeStore(t, s)
	recoverAll(t, s)
	before := s.LastSeq()
	if seq := s.Append(domain.KindWallet, "1", 0, make([]byte, persistence.MaxPayloadSize+1)); seq != 0 {
		t.Fatalf("a payload over the limit got sequence %d", seq)
	}
	if s.LastSeq() != before {
		t.Fatal("a refused append moved the sequence")
	}
	chain(t, s, 3, 1, map[int]uint64{}, 1)
	if err := s.Err(); err != nil {
		t.Fatalf("a refusal broke the store: %v", err)
	}
}

func concurrent(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	recoverAll(t, s)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prev uint64
			for i := 0; i < each; i++ { // each writer its own entity, as actors are
				if prev = s.Append(domain.KindWallet, strconv.Itoa(100+w), prev, Record(t, 100+w, int64(i))); prev == 0 {
					t.Errorf("writer %d: append refused: %v", w, s.Err())
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := s.WaitDurable(ctx(t), s.LastSeq()); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)
	s = open(t, h.get(t))
	defer closeStore(t, s)
	got, _ := recoverAll(t, s)
	if len(got.seqs) != writers*each {
		t.Fatalf("recovered %d of %d concurrent records", len(got.seqs), writers*each)
	}
	checkEachEntityInOrder(t, got)
}

// checkEachEntityInOrder decodes the records and checks each wallet's
// credits came back in the order its writer appended them.
func checkEachEntityInOrder(t testing.TB, got recovered) {
	t.Helper()
	next := map[string]domain.Nano{}
	for _, seq := range got.seqs {
		rec, err := domain.DecodeRecord(got.payloads[seq])
		if err != nil {
			t.Fatalf("record %d: %v", seq, err)
		}
		c := rec.Event.(*domain.WalletCredited)
		if c.Amount != next[rec.ID] {
			t.Fatalf("wallet %s: credit %d where %d was next", rec.ID, c.Amount, next[rec.ID])
		}
		next[rec.ID]++
	}
}

func recoverError(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	recoverAll(t, s)
	chain(t, s, 20, 2, map[int]uint64{}, 1)
	closeStore(t, s)
	s = open(t, h.get(t))
	defer closeStore(t, s)
	boom := errors.New("a record the engine refuses")
	n := 0
	_, err := s.Recover(func(uint64, []byte) error { return nil }, func(uint64, []byte) error {
		if n++; n == 5 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || n != 5 {
		t.Fatalf("recover went on after an error: %v after %d records", err, n)
	}
}

// appendCopies appends every record from one buffer, overwritten as soon as
// each Append returns, as the engine's workers do: what comes back is what
// was appended, not what the buffer held later.
func appendCopies(t *testing.T, open Opener) {
	var h hooks
	s := open(t, h.get(t))
	recoverAll(t, s)
	want := map[uint64][]byte{}
	var buf []byte
	var prev uint64
	for i := range 200 {
		buf = append(buf[:0], Record(t, 1, int64(i+1))...)
		if i%50 == 0 { // a record of 100 kB, which a store may copy otherwise
			buf = append(buf[:0], largeRecord(t, int64(i+1))...)
		}
		if prev = s.Append(domain.KindWallet, "1", prev, buf); prev == 0 {
			t.Fatalf("append %d refused: %v", i, s.Err())
		}
		want[prev] = bytes.Clone(buf)
		for j := range buf {
			buf[j] = 0xc1 // msgpack's never-used byte: a record read from here fails to decode
		}
	}
	if err := s.WaitDurable(ctx(t), prev); err != nil {
		t.Fatalf("wait durable: %v", err)
	}
	closeStore(t, s)
	s = open(t, h.get(t))
	defer closeStore(t, s)
	got, _ := recoverAll(t, s)
	if len(got.seqs) != len(want) {
		t.Fatalf("recovered %d records, want %d", len(got.seqs), len(want))
	}
	checkOrder(t, got, want)
}
