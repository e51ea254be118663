package persistence

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repairFixture is a closed journal of 600 records over many small
// segments, to damage and repair.
type repairFixture struct {
	dir  string
	ps   []string
	info JournalInfo
}

func newRepairFixture(tb testing.TB) repairFixture {
	tb.Helper()
	f := repairFixture{dir: tb.TempDir(), ps: payloads(0, 600)}
	j := openJournal(tb, JournalOptions{Dir: f.dir, SegmentSize: 4 << 10})
	appendAll(tb, j, f.ps)
	if err := j.Close(); err != nil {
		tb.Fatal(err)
	}
	info, err := VerifyJournal(f.dir)
	if err != nil || len(info.Segments) < 8 {
		tb.Fatalf("VerifyJournal = %d segments, %v; want 8 or more", len(info.Segments), err)
	}
	f.info = info
	return f
}

// segmentOf returns the segment holding seq.
func (f repairFixture) segmentOf(tb testing.TB, seq uint64) SegmentInfo {
	tb.Helper()
	for _, s := range f.info.Segments {
		if s.FirstSeq <= seq && seq <= s.LastSeq {
			return s
		}
	}
	tb.Fatalf("no segment holds seq %d", seq)
	return SegmentInfo{}
}

// recordAt returns the segment and offset of record seq.
func (f repairFixture) recordAt(tb testing.TB, seq uint64) (string, int64) {
	tb.Helper()
	s := f.segmentOf(tb, seq)
	return s.Path, recordOffset(f.ps[s.FirstSeq-1:], int(seq-s.FirstSeq))
}

// flipRecord damages record seq's payload.
func (f repairFixture) flipRecord(tb testing.TB, seq uint64) {
	tb.Helper()
	path, off := f.recordAt(tb, seq)
	flipByte(tb, path, off+recordHeaderSize+1)
}

// reopen opens the repaired journal and returns the records after `after`.
func (f repairFixture) reopen(tb testing.TB, after uint64) (*Journal, []record) {
	tb.Helper()
	j := openJournal(tb, JournalOptions{Dir: f.dir, SegmentSize: 4 << 10})
	return j, replayAll(tb, j, after)
}

func TestRepairJournal_DamageBeforeSnapshot(t *testing.T) {
	tests := []struct {
		name          string
		snap, damaged uint64
	}{
		{"the issue's case: record 150, snapshot at 300", 300, 150},
		{"the record just before the snapshot's", 300, 299},
		{"the snapshot's own record", 300, 300},
		{"the first record", 300, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRepairFixture(t)
			f.flipRecord(t, tt.damaged)
			if _, err := OpenJournal(JournalOptions{Dir: f.dir}); err == nil {
				t.Fatal("the damaged journal opened")
			}
			rep, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: tt.snap})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Lost() != 0 || rep.IntactLost != 0 || rep.FirstSeq > tt.snap+1 || rep.LastSeq != 600 {
				t.Fatalf("report %+v: want records up to 600 kept from seq <= %d, nothing lost", rep, tt.snap+1)
			}
			for _, sa := range rep.SetAside {
				if !sa.Covered || sa.Acknowledged || sa.LastSeq > tt.snap {
					t.Errorf("set aside %+v: want only records the snapshot holds", sa)
				}
			}
			j, got := f.reopen(t, tt.snap)
			checkRecords(t, got, wantRecords(tt.snap+1, f.ps[tt.snap:]))
			s, _ := openSnapshots(t, t.TempDir(), 0)
			writeSnapshot(t, s, tt.snap, "state")
			r, info, err := recoverInto(j, s)
			if err != nil || info.Replayed != 300 || len(r.applied) != 300 || info.LastSeq != 600 {
				t.Fatalf("Recover = %+v, %v; want the 300 records after the snapshot", info, err)
			}
		})
	}
}

func TestRepairJournal_DamageAfterSnapshot(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, f repairFixture)
		// wKept is the last record kept; wLost the sequences lost.
		wKept uint64
		wLost uint64
	}{
		{"stray bytes in a segment's unused space", func(t *testing.T, f repairFixture) {
			s := f.segmentOf(t, 450)
			writeAt(t, s.Path, s.Bytes+40, []byte("stray"))
		}, 600, 0},
		{"a bad segment header over good records", func(t *testing.T, f repairFixture) {
			flipByte(t, f.segmentOf(t, 450).Path, 2)
		}, 600, 0},
		{"the first header's seq over good records", func(t *testing.T, f repairFixture) {
			flipByte(t, f.segmentOf(t, 301).Path, 17)
		}, 600, 0},
		{"a record", func(t *testing.T, f repairFixture) { f.flipRecord(t, 450) }, 449, 151},
		{"the last record of a segment", func(t *testing.T, f repairFixture) {
			f.flipRecord(t, f.segmentOf(t, 450).LastSeq)
		}, 0, 0}, // filled in below from the fixture
		{"a missing segment", func(t *testing.T, f repairFixture) {
			if err := os.Remove(f.segmentOf(t, 450).Path); err != nil {
				t.Fatal(err)
			}
		}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRepairFixture(t)
			if tt.wKept == 0 {
				tt.wKept = f.segmentOf(t, 450).FirstSeq - 1
				if strings.HasPrefix(tt.name, "the last record") {
					tt.wKept = f.segmentOf(t, 450).LastSeq - 1
				}
				tt.wLost = 600 - tt.wKept
			}
			tt.damage(t, f)
			rep, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: 300})
			if err != nil || rep.LastSeq != tt.wKept || rep.Lost() != tt.wLost || len(rep.SetAside) == 0 {
				t.Fatalf("RepairJournal = %+v, %v; want records up to %d kept, %d lost", rep, err, tt.wKept, tt.wLost)
			}
			if tt.wLost > 0 && (rep.LostFirst != tt.wKept+1 || rep.LostLast != 600) {
				t.Errorf("lost %d..%d, want %d..600", rep.LostFirst, rep.LostLast, tt.wKept+1)
			}
			acked := slices.ContainsFunc(rep.SetAside, func(s SetAside) bool { return s.Acknowledged })
			if acked != (tt.wLost > 0) {
				t.Errorf("acknowledged loss reported %v, want %v: %+v", acked, tt.wLost > 0, rep.SetAside)
			}
			_, got := f.reopen(t, 300)
			checkRecords(t, got, wantRecords(301, f.ps[300:tt.wKept]))
			for _, sa := range rep.SetAside {
				if _, err := os.Stat(sa.To); err != nil {
					t.Errorf("set aside to %s: %v", sa.To, err)
				}
			}
		})
	}
}

// TestRepairJournal_Report checks that the report names the damaged file,
// the offset, the records set aside, and that its .broken copy is the
// original byte for byte.
func TestRepairJournal_Report(t *testing.T) {
	f := newRepairFixture(t)
	path, off := f.recordAt(t, 450)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.flipRecord(t, 450)
	damaged, _ := os.ReadFile(path)
	rep, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: 300})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rep.SetAside, func(s SetAside) bool { return s.File == path })
	if i < 0 {
		t.Fatalf("%s not among %+v", path, rep.SetAside)
	}
	sa := rep.SetAside[i]
	seg := f.segmentOf(t, 450)
	if sa.Offset != off || sa.Bytes < seg.Bytes-off || sa.FirstSeq != 451 || sa.LastSeq != seg.LastSeq ||
		!sa.Acknowledged || sa.Covered || !strings.Contains(sa.Reason, "crc") {
		t.Errorf("set aside %+v: want offset %d, records 451..%d, acknowledged, a crc reason", sa, off, seg.LastSeq)
	}
	if rep.IntactLost != 150 || rep.Lost() != 151 {
		t.Errorf("IntactLost %d, Lost %d: want 150 intact records of 151 lost", rep.IntactLost, rep.Lost())
	}
	if b, err := os.ReadFile(sa.To); err != nil || string(b) != string(damaged) || string(b) == string(orig) {
		t.Errorf("%s does not hold the damaged segment as it was: %v", sa.To, err)
	}
	if len(rep.Rewritten) != 1 || rep.Rewritten[0].LastSeq != 449 {
		t.Errorf("Rewritten %+v: want the damaged segment's records before 450", rep.Rewritten)
	}
	again, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: 300})
	if err != nil || len(again.SetAside) != 0 || again.LastSeq != 449 {
		t.Errorf("second repair = %+v, %v; want nothing to do", again, err)
	}
}

func TestRepairJournal_DryRun(t *testing.T) {
	f := newRepairFixture(t)
	f.flipRecord(t, 150)
	f.flipRecord(t, 450)
	before := dirDigest(t, f.dir)
	dry, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: 300, DryRun: true})
	if err != nil || len(dry.SetAside) == 0 {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	if after := dirDigest(t, f.dir); !slices.Equal(before, after) {
		t.Fatalf("the dry run changed the directory:\n%q\n%q", before, after)
	}
	rep, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: 300})
	if err != nil {
		t.Fatal(err)
	}
	if rep.FirstSeq != dry.FirstSeq || rep.LastSeq != dry.LastSeq || !slices.Equal(rep.SetAside, dry.SetAside) {
		t.Fatalf("the dry run said\n%+v\nthe repair did\n%+v", dry, rep)
	}
}

// dirDigest lists every file of dir with a hash of its bytes.
func dirDigest(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	for _, n := range dirNames(tb, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %x", n, sha256.Sum256(b)))
	}
	return out
}

// TestRepairJournal_LossesReportedOnce: what a repair set aside reaches
// the next recovery's Losses, and only that one's.
func TestRepairJournal_LossesReportedOnce(t *testing.T) {
	f := newRepairFixture(t)
	f.flipRecord(t, 450)
	if _, err := RepairJournal(f.dir, RepairOptions{SnapshotSeq: 300}); err != nil {
		t.Fatal(err)
	}
	log, logs := newLogger()
	j := openJournal(t, JournalOptions{Dir: f.dir, SegmentSize: 4 << 10, Logger: log})
	_, info, err := recoverInto(j, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Losses) == 0 || !slices.ContainsFunc(info.Losses, func(l Loss) bool { return l.Acknowledged }) {
		t.Fatalf("Losses = %+v: want the repair's, acknowledged", info.Losses)
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, ".broken") {
		t.Errorf("no Error naming the .broken file:\n%s", out)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, JournalOptions{Dir: f.dir, SegmentSize: 4 << 10})
	if _, info, err := recoverInto(j, nil); err != nil || len(info.Losses) != 0 {
		t.Fatalf("second start: Losses %+v, %v; want none", info.Losses, err)
	}
}
