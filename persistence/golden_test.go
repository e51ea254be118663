package persistence

import (
	"bytes"
	"encoding/hex"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/persistence/v1")

// goldenDir holds the version 1 fixtures. They must decode forever: if a
// test here fails, the change broke compatibility with data already on
// disk. Regenerate (-update) only when adding fixtures, never to paper
// over a format change: a new format gets a new version and a v2 directory.
const goldenDir = "../testdata/persistence/v1"

// goldenPayloads are the records of the v1 journal fixture, seq 1 on.
var goldenPayloads = []string{
	"v1 record 01: the first record of the golden journal",
	"v1 record 02: binary \x00\x01\x02\xfe\xff bytes survive as they are",
	"v1 record 03: a payload of a medium length, padded a little ..........",
	"v1 record 04: x",
	"v1 record 05: the snapshot fixture covers records up to this one",
	"v1 record 06: utf-8 survives too: номер +888 0123 4567",
	"v1 record 07: ................................................................................",
	"v1 record 08: the journal continues",
	"v1 record 09: and on",
	"v1 record 10: segments are 1 KiB in this fixture so that it stays small",
	"v1 record 11: more records, so that the journal needs two segments",
	"v1 record 12: still the first segment, or close to its end",
	"v1 record 13: a record near the rollover point of the fixture",
	"v1 record 14: the second segment starts around here",
	"v1 record 15: ...",
	"v1 record 16: a record in the second segment",
	"v1 record 17: another one",
	"v1 record 18: one before the last",
	"v1 record 19: the last record of the golden journal",
}

const (
	goldenSnapshotSeq     = 5
	goldenSnapshotPayload = "v1 snapshot payload: the whole state as of journal seq 5\x00\x01\xff"
	// goldenSecondSegment is where the fixture rolls over.
	goldenSecondSegment = "000000000000000f.wal"
	// goldenCorruptOffset is record 2 of the first segment, flipped in journal-corrupt.
	goldenCorruptOffset = 32 + 16 + 52
)

// Byte-exact expectations of the v1 layout, written out from doc.go; the
// CRCs were checked with an independent CRC-32C implementation.
const (
	goldenSegmentHeader  = "414c4c4f5457414c" + "0100" + "000000000000" + "0100000000000000" + "65ccc9d4" + "00000000"
	goldenFirstRecordHdr = "34000000" + "3e84bf48" + "0100000000000000"
	goldenSnapshotHeader = "414c4c4f54534e50" + "0100" + "000000000000" + "0500000000000000" +
		"3b00000000000000" + "e5bffb52" + "b2800546"
)

// TestGolden_Generate rewrites the fixtures with -update; without it, it
// checks that today's writer still produces the very same bytes.
func TestGolden_Generate(t *testing.T) {
	tmp := t.TempDir()
	generateGolden(t, tmp)
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		copyTree(t, tmp, goldenDir)
		t.Logf("rewrote %s", goldenDir)
		return
	}
	want := treeFiles(t, goldenDir)
	got := treeFiles(t, tmp)
	if len(got) != len(want) {
		t.Fatalf("writer produced %d files, fixtures hold %d", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s: the writer's bytes differ from the v1 fixture", name)
		}
	}
}

func generateGolden(tb testing.TB, root string) {
	tb.Helper()
	jdir := filepath.Join(tb.TempDir(), "journal")
	j := openJournal(tb, JournalOptions{Dir: jdir, SegmentSize: MinSegmentSize, version: segmentVersion1})
	for _, p := range goldenPayloads {
		if _, err := j.AppendSync([]byte(p)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		tb.Fatal(err)
	}
	copySegments(tb, jdir, filepath.Join(root, "journal"))
	copySegments(tb, jdir, filepath.Join(root, "journal-torn"))
	segs := segmentPaths(tb, filepath.Join(root, "journal-torn"))
	last := segs[len(segs)-1]
	if err := os.Truncate(last, int64(lastRecordOffset(tb, last))+20); err != nil {
		tb.Fatal(err)
	}
	copySegments(tb, jdir, filepath.Join(root, "journal-corrupt"))
	flipByte(tb, filepath.Join(root, "journal-corrupt", segmentName(1)), goldenCorruptOffset+20)

	s, err := OpenSnapshots(filepath.Join(root, "snapshots"), 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	info := writeSnapshot(tb, s, goldenSnapshotSeq, goldenSnapshotPayload)
	bad := filepath.Join(root, "snapshot-corrupt", filepath.Base(info.Path))
	copyFile(tb, info.Path, bad)
	flipByte(tb, bad, snapshotHeaderSize+10)
}

func TestGolden_V1Journal(t *testing.T) {
	src := filepath.Join(goldenDir, "journal")
	if got := strings.Join(dirNames(t, src), ","); got != segmentName(1)+","+goldenSecondSegment {
		t.Fatalf("fixture segments %s", got)
	}
	raw, err := os.ReadFile(filepath.Join(src, segmentName(1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(raw[:segmentHeaderSize]); got != goldenSegmentHeader {
		t.Fatalf("segment header\n got %s\nwant %s", got, goldenSegmentHeader)
	}
	if got := hex.EncodeToString(raw[32:48]); got != goldenFirstRecordHdr {
		t.Fatalf("first record header\n got %s\nwant %s", got, goldenFirstRecordHdr)
	}
	info, err := VerifyJournal(src)
	if err != nil || info.Records != len(goldenPayloads) || info.FirstSeq != 1 || len(info.Segments) != 2 {
		t.Fatalf("VerifyJournal = %+v, %v", info, err)
	}
	j := openJournal(t, JournalOptions{Dir: copyDir(t, src), SegmentSize: MinSegmentSize})
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, goldenPayloads))
}

func TestGolden_V1TornJournal(t *testing.T) {
	src := filepath.Join(goldenDir, "journal-torn")
	info, err := VerifyJournal(src)
	if err != nil || info.TornTailBytes != 20 || info.Records != len(goldenPayloads)-1 {
		t.Fatalf("VerifyJournal = %+v, %v; want a 20-byte torn tail", info, err)
	}
	j := openJournal(t, JournalOptions{Dir: copyDir(t, src), SegmentSize: MinSegmentSize})
	n := len(goldenPayloads) - 1
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, goldenPayloads[:n]))
	appendAll(t, j, []string{"after the torn tail"})
}

func TestGolden_V1CorruptJournal(t *testing.T) {
	src := filepath.Join(goldenDir, "journal-corrupt")
	_, err := VerifyJournal(src)
	ce := asCorrupt(t, err)
	if filepath.Base(ce.File) != segmentName(1) || ce.Offset != goldenCorruptOffset {
		t.Fatalf("VerifyJournal = %v; want %s at offset %d", err, segmentName(1), goldenCorruptOffset)
	}
	dir := copyDir(t, src)
	if _, err := OpenJournal(JournalOptions{Dir: dir}); err == nil {
		t.Fatal("OpenJournal accepted the corrupt fixture")
	}
	if _, err := RepairJournal(dir, RepairOptions{}); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, JournalOptions{Dir: dir, SegmentSize: MinSegmentSize})
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, goldenPayloads[:1]))
}

func TestGolden_V1Snapshot(t *testing.T) {
	path := filepath.Join(goldenDir, "snapshots", snapshotName(goldenSnapshotSeq))
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(raw[:snapshotHeaderSize]); got != goldenSnapshotHeader {
		t.Fatalf("snapshot header\n got %s\nwant %s", got, goldenSnapshotHeader)
	}
	info, payload, err := ReadSnapshot(path)
	if err != nil || info.Seq != goldenSnapshotSeq || string(payload) != goldenSnapshotPayload {
		t.Fatalf("ReadSnapshot = %+v %q %v", info, payload, err)
	}
	if _, err := VerifySnapshot(path); err != nil {
		t.Fatal(err)
	}
	s, _ := openSnapshots(t, copyDir(t, filepath.Dir(path)), 0)
	if info, payload, err := s.LoadNewest(); err != nil || info.Seq != goldenSnapshotSeq || string(payload) != goldenSnapshotPayload {
		t.Fatalf("LoadNewest = %+v %q %v", info, payload, err)
	}

	bad := filepath.Join(goldenDir, "snapshot-corrupt", snapshotName(goldenSnapshotSeq))
	_, err = VerifySnapshot(bad)
	if ce := asCorrupt(t, err); ce.Offset != snapshotHeaderSize {
		t.Fatalf("VerifySnapshot(corrupt) = %v", err)
	}
	if _, _, err := ReadSnapshot(bad); err == nil {
		t.Fatal("ReadSnapshot accepted the corrupt fixture")
	}
}

// lastRecordOffset finds where the last record of a segment file starts.
func lastRecordOffset(tb testing.TB, path string) int {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	off, last := segmentHeaderSize, 0
	for {
		_, _, n, st := decodeRecord(data[off:])
		if st != recOK {
			return last
		}
		last, off = off, off+n
	}
}

func copySegments(tb testing.TB, from, to string) {
	tb.Helper()
	for _, p := range segmentPaths(tb, from) {
		copyFile(tb, p, filepath.Join(to, filepath.Base(p)))
	}
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// treeFiles maps the relative path of every file under root to its bytes.
func treeFiles(tb testing.TB, root string) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		out[rel], err = io.ReadAll(f)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func copyTree(tb testing.TB, from, to string) {
	tb.Helper()
	for rel, b := range treeFiles(tb, from) {
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
