package persistence_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"allot/persistence"
	"allot/persistence/simdisk"
)

const simDir = "/data/journal"

func openSim(tb testing.TB, d *simdisk.Disk, mode persistence.FsyncMode) *persistence.Journal {
	tb.Helper()
	j, err := persistence.OpenJournal(persistence.JournalOptions{Dir: simDir, FS: d.Mount(), Fsync: mode,
		SegmentSize: 64 << 10})
	if err != nil {
		tb.Fatalf("OpenJournal: %v", err)
	}
	return j
}

// appendN appends n records tagged tag concurrently and returns the
// payloads whose done reported success, by sequence, and how many failed.
func appendN(j *persistence.Journal, tag string, n int) (map[uint64]string, int) {
	return appendTried(j, tag, n, map[uint64]string{})
}

// appendTried is appendN that also notes in tried every record that got a
// sequence, acknowledged or not.
func appendTried(j *persistence.Journal, tag string, n int, tried map[uint64]string) (map[uint64]string, int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	acked, failed := map[uint64]string{}, 0
	for i := range n {
		p := fmt.Sprintf("%s %d", tag, i)
		wg.Add(1)
		j.Append([]byte(p), func(seq uint64, err error) {
			mu.Lock()
			if err == nil {
				acked[seq] = p
			} else {
				failed++
			}
			if seq != 0 {
				tried[seq] = p
			}
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	return acked, failed
}

func replaySim(tb testing.TB, j *persistence.Journal) map[uint64]string {
	tb.Helper()
	got := map[uint64]string{}
	if err := j.Replay(0, func(seq uint64, p []byte) error { got[seq] = string(p); return nil }); err != nil {
		tb.Fatal(err)
	}
	return got
}

// failNextSync makes the next fdatasync of a segment fail with EIO.
func failNextSync(d *simdisk.Disk, keep func(simdisk.Unit) bool, noMark bool) {
	var once sync.Once
	f := simdisk.Faults{SyncKeep: keep, Sync: func(path string) (err error) {
		if strings.Contains(path, ".wal") {
			once.Do(func() { err = syscall.EIO })
		}
		return err
	}}
	if noMark {
		f.Create = func(path string) error {
			if strings.Contains(path, "FAILED") {
				return syscall.EIO
			}
			return nil
		}
	}
	d.SetFaults(f)
}

// TestJournal_FailedSyncSameBoot is issue 13 item 4: after a failed
// fdatasync, a restart in the same boot (the page cache still showing the
// failed batch) replays nothing whose done failed, and what it
// acknowledges afterwards survives once the cache is gone.
func TestJournal_FailedSyncSameBoot(t *testing.T) {
	tests := []struct {
		name   string
		keep   func(simdisk.Unit) bool // what of the failed sync reached the disk
		noMark bool                    // the failure mark could not be written either
	}{
		{"nothing reached the disk", nil, false},
		{"everything reached the disk", simdisk.KeepAll, false},
		{"nothing reached the disk, no mark", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := simdisk.New()
			j := openSim(t, d, persistence.FsyncAlways)
			want, _ := appendN(j, "before", 20)
			failNextSync(d, tt.keep, tt.noMark)
			if acked, failed := appendN(j, "failed", 19); len(acked) != 0 || failed != 19 {
				t.Fatalf("%d acknowledged, %d failed; want all 19 failed", len(acked), failed)
			}
			_ = j.Close()
			d.SetFaults(simdisk.Faults{})
			d.Crash() // the process restarts; the machine does not

			j = openSim(t, d, persistence.FsyncAlways)
			checkSame(t, "after the restart", replaySim(t, j), want)
			after, _ := appendN(j, "after", 30)
			for seq, p := range after {
				want[seq] = p
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			d.Cut(simdisk.Policy{Keep: simdisk.KeepAll}) // the cache is gone: only the disk speaks
			j = openSim(t, d, persistence.FsyncAlways)
			defer j.Close()
			checkSame(t, "after a reboot", replaySim(t, j), want)
		})
	}
}

// TestJournal_FailedSyncCannotKnow pins what a same-boot restart cannot
// know: with no mark (its write failed too) and the failed batch on the
// disk after all, the batch is complete and is replayed, though its done
// callbacks failed. Nothing acknowledged is lost and no hole opens.
func TestJournal_FailedSyncCannotKnow(t *testing.T) {
	d := simdisk.New()
	j := openSim(t, d, persistence.FsyncAlways)
	want, _ := appendN(j, "before", 5)
	failNextSync(d, simdisk.KeepAll, true)
	// The three may not share one batch: those appended after the failure
	// are refused and never written, so count the ones that got a sequence.
	written := map[uint64]string{}
	appendTried(j, "failed", 3, written)
	_ = j.Close()
	d.SetFaults(simdisk.Faults{})
	d.Crash()
	j = openSim(t, d, persistence.FsyncAlways)
	after, _ := appendN(j, "after", 4)
	for seq, p := range after {
		want[seq] = p
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	d.Cut(simdisk.Policy{Keep: simdisk.KeepAll})
	j = openSim(t, d, persistence.FsyncAlways)
	defer j.Close()
	got := replaySim(t, j)
	for seq := uint64(1); seq <= uint64(len(got)); seq++ { // no hole
		p, ok := got[seq]
		switch {
		case !ok:
			t.Fatalf("records %v: a hole at %d", got, seq)
		case want[seq] == "" && written[seq] != p:
			t.Errorf("record %d %q was never appended there", seq, p)
		}
	}
	for seq, p := range want { // nothing acknowledged lost
		if got[seq] != p {
			t.Errorf("acknowledged record %d %q lost (have %q)", seq, p, got[seq])
		}
	}
	if len(got) <= len(want) { // some of the three may have been refused unwritten, never all
		t.Errorf("%d records, %d acknowledged: the failed batch on the disk was not replayed", len(got), len(want))
	}
}

// TestJournal_FailedSyncFsyncOS: in FsyncOS mode records are acknowledged
// before any sync, so a failed one can lose acknowledged records; the
// start says so (an acknowledged Loss) instead of passing over it.
func TestJournal_FailedSyncFsyncOS(t *testing.T) {
	for _, keep := range []func(simdisk.Unit) bool{nil, simdisk.KeepAll} {
		d := simdisk.New()
		j := openSim(t, d, persistence.FsyncOS)
		want, _ := appendN(j, "synced", 10)
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
		unsynced, _ := appendN(j, "acknowledged", 10)
		failNextSync(d, keep, false)
		if err := j.Sync(); !errors.Is(err, syscall.EIO) {
			t.Fatalf("Sync = %v, want EIO", err)
		}
		_ = j.Close()
		d.SetFaults(simdisk.Faults{})
		d.Crash()
		j = openSim(t, d, persistence.FsyncOS)
		got := replaySim(t, j)
		ackedLoss := false
		for _, l := range j.Losses() {
			ackedLoss = ackedLoss || l.Acknowledged
		}
		if keep != nil {
			for seq, p := range unsynced {
				want[seq] = p
			}
		}
		checkSame(t, fmt.Sprintf("keep %v", keep != nil), got, want)
		if ackedLoss != (keep == nil) {
			t.Fatalf("acknowledged loss reported %v; losses %+v", ackedLoss, j.Losses())
		}
		_ = j.Close()
	}
}

// TestJournal_BadFailureMark: a failure mark that fails its checks stops
// the start, naming the file, rather than being passed over.
func TestJournal_BadFailureMark(t *testing.T) {
	dir := t.TempDir()
	j, err := persistence.OpenJournal(persistence.JournalOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	if err := os.WriteFile(filepath.Join(dir, "FAILED"), []byte("not a mark"), 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = persistence.OpenJournal(persistence.JournalOptions{Dir: dir})
	var ce *persistence.CorruptError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.File, "FAILED") {
		t.Fatalf("OpenJournal = %v; want a *CorruptError naming FAILED", err)
	}
}

func checkSame(tb testing.TB, when string, got, want map[uint64]string) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: %d records, want %d", when, len(got), len(want))
	}
	for seq, p := range want {
		if got[seq] != p {
			tb.Fatalf("%s: seq %d = %q, want %q", when, seq, got[seq], p)
		}
	}
}

// TestJournal_FailedSyncSyncedRecordMissing: the failure mark says which
// records an fdatasync had covered; a disk without them is not a torn
// tail but a loss the start refuses, naming the mark.
func TestJournal_FailedSyncSyncedRecordMissing(t *testing.T) {
	d := simdisk.New()
	j := openSim(t, d, persistence.FsyncAlways)
	appendN(j, "synced "+strings.Repeat(".", 400), 10) // about 4 KiB
	failNextSync(d, nil, false)
	appendN(j, "failed", 3)
	_ = j.Close()
	d.SetFaults(simdisk.Faults{})
	d.Crash()
	m := d.Mount()
	seg := filepath.Join(simDir, "0000000000000001.wal")
	f, err := m.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 8192), 2048); err != nil { // whole sectors: it would pass for a torn tail
		t.Fatal(err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		t.Fatal(err)
	}
	_, err = persistence.OpenJournal(persistence.JournalOptions{Dir: simDir, FS: d.Mount(), SegmentSize: 64 << 10})
	if !errors.Is(err, persistence.ErrCorrupt) || !strings.Contains(err.Error(), "FAILED") {
		t.Fatalf("OpenJournal = %v; want a refusal naming the failure mark", err)
	}
}

// TestJournal_KilledBetweenRenameAndDirSync: a kill -9 after a new
// segment's rename but before its directory was synced leaves a name the
// next process sees and a power cut could still undo; the next open makes
// it durable before appending there, so records acknowledged in that
// segment survive the cut.
func TestJournal_KilledBetweenRenameAndDirSync(t *testing.T) {
	d := simdisk.New()
	opts := persistence.JournalOptions{Dir: simDir, FS: d.Mount(), SegmentSize: persistence.MinSegmentSize}
	j, err := persistence.OpenJournal(opts)
	if err != nil {
		t.Fatal(err)
	}
	d.CrashAt("syncdir", 1) // the next directory sync: a rollover installing a segment
	big := strings.Repeat("r", 200)
	for i := 0; j.Err() == nil && i < 100; i++ {
		_, _ = j.AppendSync([]byte(big))
	}
	_ = j.Close()
	if fired, _ := d.Fired(); !fired {
		t.Fatal("no rollover happened")
	}
	opts.FS = d.Mount()
	if j, err = persistence.OpenJournal(opts); err != nil {
		t.Fatal(err)
	}
	acked, _ := appendN(j, "after the kill", 3)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	d.Cut(simdisk.Policy{Keep: func(u simdisk.Unit) bool { return u.Kind != simdisk.NameUnit }})
	opts.FS = d.Mount()
	if j, err = persistence.OpenJournal(opts); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got := replaySim(t, j)
	for seq, p := range acked {
		if got[seq] != p {
			t.Fatalf("acknowledged seq %d lost with the segment's name", seq)
		}
	}
}
