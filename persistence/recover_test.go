package persistence

import (
	"errors"
	"path/filepath"
	"testing"
)

// recovered is what Recover handed to restore and apply.
type recovered struct {
	restored   string
	restoredAt uint64
	applied    []record
}

func recoverInto(j *Journal, s *SnapshotStore) (recovered, RecoveryInfo, error) {
	var r recovered
	info, err := Recover(j, s, func(seq uint64, p []byte) error {
		r.restored, r.restoredAt = string(p), seq
		return nil
	}, func(seq uint64, p []byte) error {
		r.applied = append(r.applied, record{seq, string(p)})
		return nil
	})
	return r, info, err
}

func TestRecover(t *testing.T) {
	ps := payloads(0, 60)
	tests := []struct {
		name string
		// setup fills the journal and the store; it returns the first
		// journal record expected to be applied (0: none) or wantErr.
		setup   func(t *testing.T, j *Journal, s *SnapshotStore) (snapSeq uint64, firstApplied int)
		wantErr error
	}{
		{"snapshot and journal tail", func(t *testing.T, j *Journal, s *SnapshotStore) (uint64, int) {
			appendAll(t, j, ps)
			writeSnapshot(t, s, 20, "state@20")
			return 20, 21
		}, nil},
		{"no snapshot, journal from 1", func(t *testing.T, j *Journal, s *SnapshotStore) (uint64, int) {
			appendAll(t, j, ps)
			return 0, 1
		}, nil},
		{"snapshot at the journal's end", func(t *testing.T, j *Journal, s *SnapshotStore) (uint64, int) {
			appendAll(t, j, ps)
			writeSnapshot(t, s, 60, "state@60")
			return 60, 0
		}, nil},
		{"journal compacted past the snapshot", func(t *testing.T, j *Journal, s *SnapshotStore) (uint64, int) {
			appendAll(t, j, ps)
			writeSnapshot(t, s, 5, "state@5")
			if err := j.Compact(50); err != nil || j.FirstSeq() <= 6 {
				t.Fatalf("Compact: %v, FirstSeq %d", err, j.FirstSeq())
			}
			return 5, 0
		}, ErrMissingRecords},
		{"no snapshot, journal compacted", func(t *testing.T, j *Journal, s *SnapshotStore) (uint64, int) {
			appendAll(t, j, ps)
			if err := j.Compact(50); err != nil {
				t.Fatal(err)
			}
			return 0, 0
		}, ErrMissingRecords},
		{"snapshot ahead of the journal", func(t *testing.T, j *Journal, s *SnapshotStore) (uint64, int) {
			appendAll(t, j, ps[:10])
			writeSnapshot(t, s, 30, "state@30")
			return 30, 0
		}, ErrMissingRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j := openJournal(t, JournalOptions{Dir: filepath.Join(dir, "journal"), SegmentSize: MinSegmentSize})
			s, _ := openSnapshots(t, filepath.Join(dir, "snapshots"), 0)
			snapSeq, first := tt.setup(t, j, s)
			r, info, err := recoverInto(j, s)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Recover = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []record
			if first > 0 {
				want = wantRecords(uint64(first), ps[first-1:])
			}
			checkRecords(t, r.applied, want)
			if info.SnapshotSeq != snapSeq || r.restoredAt != snapSeq || info.Replayed != len(want) || info.LastSeq != 60 {
				t.Fatalf("RecoveryInfo %+v, restored at %d", info, r.restoredAt)
			}
			if snapSeq == 0 && (r.restored != "" || info.SnapshotPath != "") {
				t.Fatalf("restore called without a snapshot: %+v", info)
			}
		})
	}
}

// TestRecover_RestoreIntoEmptyJournal is the restore-from-backup path: a
// snapshot and a new journal directory that starts right after it.
func TestRecover_RestoreIntoEmptyJournal(t *testing.T) {
	dir := t.TempDir()
	s, _ := openSnapshots(t, filepath.Join(dir, "snapshots"), 0)
	writeSnapshot(t, s, 99, "state@99")
	j := openJournal(t, JournalOptions{Dir: filepath.Join(dir, "journal"), SegmentSize: MinSegmentSize, FirstSeq: 100})
	r, info, err := recoverInto(j, s)
	if err != nil || r.restored != "state@99" || len(r.applied) != 0 || info.LastSeq != 99 {
		t.Fatalf("Recover = %+v %+v %v", r, info, err)
	}
	if seq, err := j.AppendSync([]byte("next")); seq != 100 || err != nil {
		t.Fatalf("AppendSync = %d, %v", seq, err)
	}
}

func TestRecover_CallbackErrors(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, JournalOptions{Dir: filepath.Join(dir, "journal"), SegmentSize: MinSegmentSize})
	s, _ := openSnapshots(t, filepath.Join(dir, "snapshots"), 0)
	appendAll(t, j, payloads(0, 10))
	writeSnapshot(t, s, 4, "state@4")
	boom := errors.New("bad state")
	ok := func(uint64, []byte) error { return nil }
	fail := func(uint64, []byte) error { return boom }
	if _, err := Recover(j, s, fail, ok); !errors.Is(err, boom) {
		t.Fatalf("Recover with a failing restore = %v", err)
	}
	if _, err := Recover(j, s, ok, fail); !errors.Is(err, boom) {
		t.Fatalf("Recover with a failing apply = %v", err)
	}
	if _, err := Recover(j, nil, ok, ok); err != nil {
		t.Fatalf("Recover without a snapshot store = %v", err)
	}
}
