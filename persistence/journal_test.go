package persistence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var modes = []FsyncMode{FsyncAlways, FsyncOS}

func TestParseFsyncMode(t *testing.T) {
	tests := []struct {
		in      string
		want    FsyncMode
		wantErr bool
	}{
		{"always", FsyncAlways, false},
		{" OS ", FsyncOS, false},
		{"", 0, true},
		{"sometimes", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFsyncMode(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFsyncMode(%q) = %v, %v", tt.in, got, err)
		}
		if err == nil {
			if back, _ := ParseFsyncMode(got.String()); back != got {
				t.Errorf("%v does not round-trip through String", got)
			}
		}
	}
}

func TestJournal_AppendReplay(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			opts := JournalOptions{Dir: dir, Fsync: mode, SegmentSize: 64 << 10}
			j := openJournal(t, opts)
			if j.LastSeq() != 0 || j.DurableSeq() != 0 || j.FirstSeq() != 0 {
				t.Fatalf("empty journal: last %d durable %d first %d", j.LastSeq(), j.DurableSeq(), j.FirstSeq())
			}
			ps := payloads(0, 50)
			appendAll(t, j, ps)
			if j.LastSeq() != 50 || j.DurableSeq() != 50 || j.FirstSeq() != 1 {
				t.Fatalf("last %d durable %d first %d", j.LastSeq(), j.DurableSeq(), j.FirstSeq())
			}
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, ps))
			checkRecords(t, replayAll(t, j, 20), wantRecords(21, ps[20:]))
			checkRecords(t, replayAll(t, j, 50), nil)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}

			j = openJournal(t, opts)
			if j.LastSeq() != 50 {
				t.Fatalf("reopened LastSeq = %d, want 50", j.LastSeq())
			}
			more := payloads(50, 60)
			appendAll(t, j, more)
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, append(ps, more...)))
		})
	}
}

func TestJournal_ConcurrentAppend(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			j := openJournal(t, JournalOptions{Dir: t.TempDir(), Fsync: mode, SegmentSize: 16 << 10})
			const writers, each = 32, 100
			var (
				mu      sync.Mutex
				sent    = map[uint64]string{}
				acked   []uint64
				calls   = map[uint64]int{}
				wg      sync.WaitGroup
				ackedWG sync.WaitGroup
			)
			ackedWG.Add(writers * each)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						p := fmt.Sprintf("w%d-i%d", w, i)
						mu.Lock() // held across Append so sent is filled before done can run
						seq := j.Append([]byte(p), func(seq uint64, err error) {
							if err != nil {
								t.Errorf("done(%d): %v", seq, err)
							}
							mu.Lock()
							acked = append(acked, seq)
							calls[seq]++
							mu.Unlock()
							ackedWG.Done()
						})
						sent[seq] = p
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			ackedWG.Wait()
			for i, seq := range acked {
				if seq != uint64(i+1) || calls[seq] != 1 {
					t.Fatalf("done #%d for seq %d (called %d times): want seq order, once each", i, seq, calls[seq])
				}
			}
			got := replayAll(t, j, 0)
			if len(got) != writers*each {
				t.Fatalf("replayed %d records, want %d", len(got), writers*each)
			}
			for _, r := range got {
				if sent[r.seq] != r.payload {
					t.Fatalf("seq %d holds %q, Append gave it %q", r.seq, r.payload, sent[r.seq])
				}
			}
			if st := j.Stats(); st.Records != writers*each || st.Batches == 0 || st.Batches > st.Records {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestJournal_Rollover(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize}
	j := openJournal(t, opts)
	ps := payloads(0, 120)
	ps[60] = string(make([]byte, 3*MinSegmentSize)) + "big" // bigger than a segment
	appendAll(t, j, ps)
	segs := segmentPaths(t, dir)
	if len(segs) < 5 || j.Stats().Segments != len(segs) {
		t.Fatalf("%d segments (stats %d), want several", len(segs), j.Stats().Segments)
	}
	for _, p := range segs {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() < MinSegmentSize {
			t.Errorf("%s is %d bytes, below the segment size", p, st.Size())
		}
	}
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, ps))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, nextSegmentName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left %s behind: %v", nextSegmentName, err)
	}
	info, err := VerifyJournal(dir)
	if err != nil || info.Records != len(ps) || info.FirstSeq != 1 || info.LastSeq != uint64(len(ps)) {
		t.Fatalf("VerifyJournal = %+v, %v", info, err)
	}
	j = openJournal(t, opts)
	checkRecords(t, replayAll(t, j, 100), wantRecords(101, ps[100:]))
}

// TestJournal_RolloverFirstAfterReopen rolls over on the very first record
// after a reopen: the sealed segment must keep its metadata, or Replay
// would skip it and Compact could delete it.
func TestJournal_RolloverFirstAfterReopen(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize}
	j := openJournal(t, opts)
	ps := payloads(0, 12)
	appendAll(t, j, ps)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, opts)
	big := string(make([]byte, MinSegmentSize)) // cannot fit in what is left
	appendAll(t, j, []string{big})
	if n := len(segmentPaths(t, dir)); n != 2 {
		t.Fatalf("%d segments, want a rollover to 2", n)
	}
	all := append(ps, big)
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, all))
	checkRecords(t, replayAll(t, j, 5), wantRecords(6, all[5:]))
	if err := j.Compact(5); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentPaths(t, dir)); n != 2 || j.FirstSeq() != 1 {
		t.Fatalf("Compact(5) left %d segments, FirstSeq %d: it removed records 6..12", n, j.FirstSeq())
	}
}

func TestJournal_Compact(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize}
	j := openJournal(t, opts)
	ps := payloads(0, 80)
	appendAll(t, j, ps)
	before, err := VerifyJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	cut := before.Segments[2].LastSeq + 3 // in the middle of the fourth segment
	if err := j.Compact(cut); err != nil {
		t.Fatal(err)
	}
	first := before.Segments[3].FirstSeq
	if got := j.FirstSeq(); got != first {
		t.Fatalf("FirstSeq after Compact(%d) = %d, want %d", cut, got, first)
	}
	if n := len(segmentPaths(t, dir)); n != len(before.Segments)-3 {
		t.Fatalf("%d segments left, want %d", n, len(before.Segments)-3)
	}
	checkRecords(t, replayAll(t, j, 0), wantRecords(first, ps[first-1:]))

	if err := j.Compact(^uint64(0)); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentPaths(t, dir)); n != 1 {
		t.Fatalf("%d segments left after compacting everything, want the active one", n)
	}
	appendAll(t, j, payloads(80, 85))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, opts)
	if j.LastSeq() != 85 || j.FirstSeq() == 0 {
		t.Fatalf("reopened after compaction: last %d first %d", j.LastSeq(), j.FirstSeq())
	}
}

func TestJournal_Refusals(t *testing.T) {
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize})
	tests := []struct {
		name    string
		payload []byte
		close   bool
		wantErr error
	}{
		{"empty payload", nil, false, ErrPayloadSize},
		{"oversized payload", make([]byte, MaxPayloadSize+1), false, ErrPayloadSize},
		{"after close", []byte("x"), true, ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.close {
				if err := j.Close(); err != nil {
					t.Fatal(err)
				}
			}
			var got error
			called := 0
			seq := j.Append(tt.payload, func(seq uint64, err error) { called++; got = err })
			if seq != 0 || called != 1 || !errors.Is(got, tt.wantErr) {
				t.Fatalf("Append = %d, done called %d times with %v; want 0, once, %v", seq, called, got, tt.wantErr)
			}
		})
	}
	if err := j.Err(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Err after Close = %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if err := j.WaitDurable(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitDurable after Close = %v", err)
	}
	if err := j.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v", err)
	}
}

func TestJournal_WaitDurable(t *testing.T) {
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), Fsync: FsyncOS, SegmentSize: MinSegmentSize})
	seq := j.Append([]byte("a"), nil)
	if err := j.WaitDurable(context.Background(), seq); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := j.WaitDurable(ctx, seq+10); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitDurable for an unassigned seq with a cancelled ctx = %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- j.WaitDurable(context.Background(), seq+1) }()
	j.Append([]byte("b"), nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	syncs := j.Stats().Syncs
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if j.Stats().Syncs != syncs+1 {
		t.Fatalf("Sync in FsyncOS mode did not fdatasync: %+v", j.Stats())
	}
}

func TestJournal_CloseFlushes(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			j, err := OpenJournal(JournalOptions{Dir: dir, Fsync: mode, SegmentSize: MinSegmentSize})
			if err != nil {
				t.Fatal(err)
			}
			var acked atomic.Int64
			for i := range 200 {
				j.Append([]byte(payload(i)), func(_ uint64, err error) {
					if err == nil {
						acked.Add(1)
					}
				})
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if acked.Load() != 200 {
				t.Fatalf("Close acknowledged %d of 200 accepted records", acked.Load())
			}
			info, err := VerifyJournal(dir)
			if err != nil || info.Records != 200 {
				t.Fatalf("VerifyJournal = %+v, %v", info, err)
			}
		})
	}
}

func TestJournal_Lock(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, JournalOptions{Dir: dir, SegmentSize: MinSegmentSize})
	if _, err := OpenJournal(JournalOptions{Dir: dir}); err == nil {
		t.Fatal("a second OpenJournal on the same directory succeeded")
	}
	if _, err := RepairJournal(dir, RepairOptions{}); err == nil {
		t.Fatal("RepairJournal ran on an open journal")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	openJournal(t, JournalOptions{Dir: dir, SegmentSize: MinSegmentSize})
}

func TestJournal_Options(t *testing.T) {
	tests := []JournalOptions{
		{},
		{Dir: t.TempDir(), SegmentSize: 100},
		{Dir: t.TempDir(), Fsync: FsyncMode(7)},
	}
	for _, o := range tests {
		if j, err := OpenJournal(o); err == nil {
			_ = j.Close()
			t.Errorf("OpenJournal(%+v) succeeded", o)
		}
	}
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize, FirstSeq: 1000})
	if seq, err := j.AppendSync([]byte("x")); seq != 1000 || err != nil {
		t.Fatalf("first append with FirstSeq 1000 = %d, %v", seq, err)
	}
}

// TestJournal_SyncFailure checks that a failed fdatasync is fatal and never
// retried: everything unacknowledged fails, OnFatal runs once.
func TestJournal_SyncFailure(t *testing.T) {
	boom := errors.New("injected EIO")
	var fatals, syncCalls atomic.Int32
	var j *Journal
	fatalDone := make(chan error, 1)
	j = openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize,
		OnFatal: func(error) {
			fatals.Add(1)
			fatalDone <- j.Close() // shutting down from OnFatal must not deadlock
		}})
	j.syncFile = func(f File, path string) error {
		if syncCalls.Add(1) >= 3 {
			return boom
		}
		return fdatasync(f, path)
	}
	var wg sync.WaitGroup
	var okCount, errCount atomic.Int32
	for i := range 400 {
		wg.Add(1)
		j.Append([]byte(payload(i)), func(_ uint64, err error) {
			defer wg.Done()
			switch {
			case err == nil:
				okCount.Add(1)
			case errors.Is(err, boom):
				errCount.Add(1)
			default:
				t.Errorf("done error %v does not wrap the cause", err)
			}
		})
	}
	wg.Wait()
	if err := <-fatalDone; !errors.Is(err, boom) {
		t.Fatalf("Close from OnFatal = %v", err)
	}
	if errCount.Load() == 0 || fatals.Load() != 1 || !errors.Is(j.Err(), boom) {
		t.Fatalf("ok %d failed %d OnFatal %d Err %v", okCount.Load(), errCount.Load(), fatals.Load(), j.Err())
	}
	if got := j.DurableSeq(); got != uint64(okCount.Load()) {
		t.Fatalf("DurableSeq %d after %d acknowledged", got, okCount.Load())
	}
	calls := syncCalls.Load()
	if seq := j.Append([]byte("late"), nil); seq != 0 {
		t.Fatalf("Append after failure = %d", seq)
	}
	if err := j.WaitDurable(context.Background(), j.LastSeq()); !errors.Is(err, boom) {
		t.Fatalf("WaitDurable after failure = %v", err)
	}
	if err := j.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close after failure = %v", err)
	}
	if syncCalls.Load() != calls || fatals.Load() != 1 {
		t.Fatalf("fdatasync retried (%d calls, then %d) or OnFatal repeated (%d)", calls, syncCalls.Load(), fatals.Load())
	}
}

// TestJournal_WriteFailure makes the segment's write fail (a read-only
// descriptor gives EBADF).
func TestJournal_WriteFailure(t *testing.T) {
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize})
	appendAll(t, j, payloads(0, 3))
	ro, err := os.Open(j.w.path)
	if err != nil {
		t.Fatal(err)
	}
	j.mu.Lock() // the writer reads w.f only after taking mu in take
	old := j.w.f
	j.w.f = ro
	j.mu.Unlock()
	defer old.Close()
	if _, err := j.AppendSync([]byte("x")); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("AppendSync with a failing write = %v", err)
	}
	if j.DurableSeq() != 3 {
		t.Fatalf("DurableSeq = %d after a failed write", j.DurableSeq())
	}
}

func TestJournal_OnSync(t *testing.T) {
	var mu sync.Mutex
	var records, bytes int
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize,
		OnSync: func(d time.Duration, r, b int) {
			mu.Lock()
			records, bytes = records+r, bytes+b
			mu.Unlock()
		}})
	ps := payloads(0, 10)
	appendAll(t, j, ps)
	want := 0
	for _, p := range ps {
		want += int(recordSize(len(p)))
	}
	if err := j.Close(); err != nil { // OnSync runs after done: wait for the writer
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if records != 10 || bytes != want {
		t.Fatalf("OnSync saw %d records, %d bytes; want 10, %d", records, bytes, want)
	}
}

func TestJournal_ReplayError(t *testing.T) {
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize})
	appendAll(t, j, payloads(0, 5))
	stop := errors.New("stop here")
	var seen []uint64
	err := j.Replay(0, func(seq uint64, _ []byte) error {
		seen = append(seen, seq)
		if seq == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(seen) != 3 {
		t.Fatalf("Replay = %v after %v", err, seen)
	}
}
