package persistence

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestJournal_TornTail damages the end of the last segment of a version 1
// journal the way a crash can, and checks that reopening keeps every
// complete record: version 1 journals still open under version 1's rules.
// (Version 2's are in TestJournal_UnfinishedBatch.)
func TestJournal_TornTail(t *testing.T) {
	ps := payloads(0, 8)
	end := recordOffsetIn(ps, len(ps), segmentVersion1)
	lastStart := recordOffsetIn(ps, len(ps)-1, segmentVersion1)
	tests := []struct {
		name     string
		damage   func(t *testing.T, path string)
		wantKept int
	}{
		{"chopped mid-record", func(t *testing.T, path string) {
			if err := os.Truncate(path, lastStart+20); err != nil {
				t.Fatal(err)
			}
		}, 7},
		{"half a header", func(t *testing.T, path string) {
			writeAt(t, path, end, []byte{0x20, 0, 0, 0, 0xde, 0xad, 0xbe})
		}, 8},
		{"garbage after the last record", func(t *testing.T, path string) {
			writeAt(t, path, end, []byte(strings.Repeat("\xffgarbage", 20)))
		}, 8},
		{"last record's payload half written", func(t *testing.T, path string) {
			writeAt(t, path, lastStart+recordHeaderSize, make([]byte, len(ps[7])))
		}, 7},
		{"stray byte far after the end", func(t *testing.T, path string) {
			writeAt(t, path, 3000, []byte{1})
		}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := JournalOptions{Dir: dir, SegmentSize: 4 << 10, version: segmentVersion1}
			j := openJournal(t, opts)
			appendAll(t, j, ps)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			seg := segmentPaths(t, dir)[0]
			tt.damage(t, seg)

			info, err := VerifyJournal(dir)
			if err != nil || info.TornTailBytes == 0 || info.Records != tt.wantKept {
				t.Fatalf("VerifyJournal = %+v, %v; want a torn tail and %d records", info, err, tt.wantKept)
			}
			log, logs := newLogger()
			opts.Logger = log
			j = openJournal(t, opts)
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, ps[:tt.wantKept]))
			if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "torn") ||
				!strings.Contains(out, seg) || !strings.Contains(out, "bytes=") {
				t.Fatalf("no Warn naming the file and bytes dropped:\n%s", out)
			}
			more := payloads(100, 105)
			appendAll(t, j, more)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			info, err = VerifyJournal(dir)
			if err != nil || info.TornTailBytes != 0 || info.Records != tt.wantKept+len(more) {
				t.Fatalf("after reopen: VerifyJournal = %+v, %v", info, err)
			}
			j = openJournal(t, opts)
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, append(slices.Clone(ps[:tt.wantKept]), more...)))
		})
	}
}

// TestJournal_Corrupt damages records that are not a torn tail: the
// journal must refuse to open, name file and offset, and be repairable.
func TestJournal_Corrupt(t *testing.T) {
	ps := payloads(0, 120)
	tests := []struct {
		name string
		// damage returns the damaged file, the offset the error must name
		// and how many records survive a repair.
		damage func(t *testing.T, info JournalInfo) (string, int64, int)
	}{
		{"early record of the last segment, valid ones after", func(t *testing.T, info JournalInfo) (string, int64, int) {
			s := info.Segments[len(info.Segments)-1]
			in := ps[s.FirstSeq-1 : s.LastSeq]
			off := recordOffset(in, 1)
			flipByte(t, s.Path, off+recordHeaderSize+2)
			return s.Path, off, int(s.FirstSeq)
		}},
		{"record in a non-last segment", func(t *testing.T, info JournalInfo) (string, int64, int) {
			s := info.Segments[1]
			in := ps[s.FirstSeq-1 : s.LastSeq]
			off := recordOffset(in, 2)
			flipByte(t, s.Path, off+9) // in the seq field
			return s.Path, off, int(s.FirstSeq) + 1
		}},
		{"last record of a non-last segment", func(t *testing.T, info JournalInfo) (string, int64, int) {
			s := info.Segments[0]
			in := ps[s.FirstSeq-1 : s.LastSeq]
			off := recordOffset(in, len(in)-1)
			flipByte(t, s.Path, off+recordHeaderSize)
			return s.Path, off, len(in) - 1
		}},
		{"segment header", func(t *testing.T, info JournalInfo) (string, int64, int) {
			s := info.Segments[2]
			flipByte(t, s.Path, 1)
			return s.Path, 0, len(ps) // the records under it are intact and in sequence: none is lost
		}},
		{"missing segment", func(t *testing.T, info JournalInfo) (string, int64, int) {
			if err := os.Remove(info.Segments[1].Path); err != nil {
				t.Fatal(err)
			}
			return info.Segments[2].Path, 16, int(info.Segments[0].LastSeq)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize}
			j := openJournal(t, opts)
			appendAll(t, j, ps)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			before, err := VerifyJournal(dir)
			if err != nil || len(before.Segments) < 4 || before.Segments[len(before.Segments)-1].Records < 3 {
				t.Fatalf("VerifyJournal = %+v, %v: want 4+ segments, 3+ records in the last", before, err)
			}
			file, off, kept := tt.damage(t, before)

			_, err = OpenJournal(opts)
			ce := asCorrupt(t, err)
			if ce.File != file || ce.Offset != off || !strings.Contains(err.Error(), "allot snapshot repair") {
				t.Fatalf("OpenJournal error %v: want file %s offset %d and the repair hint", err, file, off)
			}
			_, verr := VerifyJournal(dir)
			if vce := asCorrupt(t, verr); *vce != *ce {
				t.Fatalf("VerifyJournal says %v, OpenJournal said %v", vce, ce)
			}

			rep, err := RepairJournal(dir, RepairOptions{})
			if err != nil || rep.Bytes() <= 0 {
				t.Fatalf("RepairJournal = %+v, %v", rep, err)
			}
			if !hasBroken(t, dir) {
				t.Fatalf("no .broken file in %v", dirNames(t, dir))
			}
			if rep, err := RepairJournal(dir, RepairOptions{}); len(rep.SetAside) != 0 || err != nil {
				t.Fatalf("second RepairJournal = %+v, %v", rep, err)
			}
			j = openJournal(t, opts)
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, ps[:kept]))
			if j.LastSeq() != uint64(kept) {
				t.Fatalf("LastSeq after repair = %d, want %d", j.LastSeq(), kept)
			}
			appendAll(t, j, payloads(500, 503))
		})
	}
}

// TestRepairJournal_FirstSegment loses the journal's first record, so
// nothing after it can be kept: the journal must still remember where it
// started so Recover can refuse.
func TestRepairJournal_FirstSegment(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize, FirstSeq: 10}
	j := openJournal(t, opts)
	appendAll(t, j, payloads(0, 30))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segmentPaths(t, dir)
	flipByte(t, segs[0], segmentHeaderSize+recordHeaderSize+1)
	if _, err := RepairJournal(dir, RepairOptions{}); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, opts)
	if j.LastSeq() != 9 || j.FirstSeq() != 0 || j.baseSeq() != 10 {
		t.Fatalf("after setting everything aside: last %d first %d base %d", j.LastSeq(), j.FirstSeq(), j.baseSeq())
	}
	if seq, err := j.AppendSync([]byte("next")); seq != 10 || err != nil {
		t.Fatalf("AppendSync = %d, %v", seq, err)
	}
}

func TestVerifyJournal_Empty(t *testing.T) {
	info, err := VerifyJournal(t.TempDir())
	if err != nil || len(info.Segments) != 0 {
		t.Fatalf("VerifyJournal(empty) = %+v, %v", info, err)
	}
	if _, err := VerifyJournal(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("VerifyJournal of a missing directory succeeded")
	}
}

func hasBroken(tb testing.TB, dir string) bool {
	tb.Helper()
	for _, n := range dirNames(tb, dir) {
		if strings.Contains(n, ".broken") {
			return true
		}
	}
	return false
}

// TestJournal_RolloverLeftovers reopens a journal as a crash during a
// rollover leaves it: a half-prepared next segment, and a new segment
// installed (header synced) before any record reached it.
func TestJournal_RolloverLeftovers(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize}
	j := openJournal(t, opts)
	ps := payloads(0, 30)
	appendAll(t, j, ps)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, nextSegmentName), []byte("half prepared"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := writeEmptySegment(dir, uint64(len(ps)+1)); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, opts)
	if _, err := os.Stat(filepath.Join(dir, nextSegmentName)); !os.IsNotExist(err) {
		t.Fatalf("%s not removed on open: %v", nextSegmentName, err)
	}
	more := payloads(30, 60)
	appendAll(t, j, more)
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, append(slices.Clone(ps), more...)))
}
