package persistence

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, 1, []byte("hello")))
	f.Add(appendRecord(nil, 1<<40, bytes.Repeat([]byte{0}, 300)))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{5, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add(appendRecord(nil, 7, []byte("cut"))[:18])
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, p, n, st := decodeRecord(b)
		if st != recOK {
			if n != 0 || p != nil {
				t.Fatalf("status %v with n %d and a payload", st, n)
			}
			return
		}
		if n > len(b) || n != recordHeaderSize+len(p) || len(p) == 0 {
			t.Fatalf("n %d, payload %d bytes, input %d bytes", n, len(p), len(b))
		}
		if again := appendRecord(nil, seq, p); !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b[:n])
		}
	})
}

// segmentBytes builds a version 2 segment image holding payloads from
// first on, each in a batch of its own, padded with zeros to size.
func segmentBytes(first uint64, size int, ps ...string) []byte {
	b := encodeSegmentHeader(first)
	for i, p := range ps {
		b = appendBatch(b, first+uint64(i), []byte(p))
	}
	return append(b, make([]byte, max(0, size-len(b)))...)
}

// segmentBytesV1 builds a version 1 segment image: records only.
func segmentBytesV1(first uint64, size int, ps ...string) []byte {
	b := encodeSegmentHeaderVersion(first, segmentVersion1)
	for i, p := range ps {
		b = appendRecord(b, first+uint64(i), []byte(p))
	}
	return append(b, make([]byte, max(0, size-len(b)))...)
}

func FuzzScanSegment(f *testing.F) {
	for _, good := range [][]byte{segmentBytes(3, 400, "a", "bb", "ccc"), segmentBytesV1(3, 400, "a", "bb", "ccc")} {
		f.Add(good)
		f.Add(good[:100])
		flipped := bytes.Clone(good)
		flipped[segmentHeaderSize+recordHeaderSize] ^= 1
		f.Add(flipped)
	}
	f.Add(encodeSegmentHeader(1))
	f.Add(append(segmentBytes(1, 0, "x"), 0xff, 0xfe, 1, 0))
	f.Add([]byte("ALLOTWAL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := scanSegment("seg", 3, data)
		if s.dataEnd < s.end || s.dataEnd > int64(len(data)) || s.end > int64(len(data)) || s.badAt < s.end {
			t.Fatalf("end %d, bad at %d, data end %d, %d bytes", s.end, s.badAt, s.dataEnd, len(data))
		}
		if s.validAt != -1 && (s.validAt < s.end || s.validAt >= int64(len(data))) {
			t.Fatalf("valid record at %d outside [%d, %d)", s.validAt, s.end, len(data))
		}
		if s.headerBad == "" {
			checkScannedRecords(t, s, data)
		}
		v := judge([]segmentScan{s})
		mustErr := s.headerBad != "" || s.first != 3 || (s.version == segmentVersion1 && s.validAt >= 0)
		switch {
		case mustErr && v.err == nil, !s.dirty() && !mustErr && v.err != nil:
			t.Fatalf("verdict %+v for scan %+v", v, s)
		case v.err == nil && v.torn != s.dirty():
			t.Fatalf("verdict %+v for scan %+v", v, s)
		}
	})
}

// checkScannedRecords decodes the records a scan accepted, independently
// (in version 2 skipping commit frames, which the scan checked).
func checkScannedRecords(t *testing.T, s segmentScan, data []byte) {
	off, seq := segmentHeaderSize, s.first
	for range s.records {
		for s.version != segmentVersion1 && isCommit(data[off:]) {
			off += commitSize
		}
		got, _, n, st := decodeRecord(data[off:])
		if st != recOK || got != seq {
			t.Fatalf("record at %d: %v seq %d, want seq %d", off, st, got, seq)
		}
		off, seq = off+n, seq+1
	}
	if s.version != segmentVersion1 && s.records > 0 {
		off += commitSize
	}
	if int64(off) != s.end || seq-1 != s.last {
		t.Fatalf("records end at %d seq %d; scan says %d seq %d", off, seq-1, s.end, s.last)
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	good := append(snapHeader{seq: 9, length: 5, crc: crc32c([]byte("hello"))}.encode(), "hello"...)
	f.Add(good)
	f.Add(good[:30])
	f.Add(append(bytes.Clone(good), 'x'))
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint64(huge[24:], 1<<62)
	f.Add(huge)
	f.Fuzz(func(t *testing.T, data []byte) {
		h, p, err := decodeSnapshot("snap", data)
		if err != nil {
			asCorrupt(t, err)
			return
		}
		if uint64(len(p)) != h.length || crc32c(p) != h.crc {
			t.Fatalf("accepted %d payload bytes for header %+v", len(p), h)
		}
	})
}

// FuzzOpenJournal opens a journal whose only segment holds arbitrary
// bytes: OpenJournal must refuse with a *CorruptError, or open, drop any
// torn tail, and leave a journal that verifies clean and replays what it
// kept.
func FuzzOpenJournal(f *testing.F) {
	for _, seg := range []func(uint64, int, ...string) []byte{segmentBytes, segmentBytesV1} {
		f.Add(seg(1, 2048, "a", "bb", "ccc"))
		f.Add(seg(1, 0, "a", "bb", "ccc")[:70])
		f.Add(append(seg(1, 0, "a"), 0xff, 0xfe, 1, 0))
		torn := seg(1, 1024, "a", "bb", "ccc")
		torn[segmentHeaderSize+recordHeaderSize] ^= 1 // first record bad, valid ones after
		f.Add(torn)
		f.Add(append(seg(1, 600, "a", "bb"), seg(3, 600, "ccc")[segmentHeaderSize:]...)) // a sector of zeros
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o640); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(JournalOptions{Dir: dir, SegmentSize: MinSegmentSize})
		if err != nil {
			asCorrupt(t, err)
			return
		}
		n := 0
		if err := j.Replay(0, func(uint64, []byte) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := j.AppendSync([]byte("after")); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		info, err := VerifyJournal(dir)
		if err != nil || info.TornTailBytes != 0 || info.Records != n+1 {
			t.Fatalf("after open: %+v, %v; replayed %d", info, err, n)
		}
	})
}
