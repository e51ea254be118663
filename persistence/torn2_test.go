package persistence

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// v2Image is a version 2 segment built by hand: batches of records whose
// offsets the tests know.
type v2Image struct {
	data   []byte
	starts []int // where each batch starts; the last entry is where data ends
	seqs   []int // records before each batch
}

// newV2Image lays out batches of records of n bytes each (payloads of
// letters: no zero byte), seq 1 on, in a segment of size bytes.
func newV2Image(size int, flags uint32, batches ...int) v2Image {
	img := v2Image{data: encodeSegmentHeader(1)}
	seq := uint64(1)
	for _, n := range batches {
		img.starts, img.seqs = append(img.starts, len(img.data)), append(img.seqs, int(seq-1))
		start := len(img.data)
		for range n {
			p := strings.Repeat(string(rune('a'+seq%26)), 150+int(seq*7)%60)
			img.data = appendRecord(img.data, seq, []byte(p))
			seq++
		}
		img.data = appendCommit(img.data, commitFrame{flags: flags, last: seq - 1, length: uint64(len(img.data) - start),
			crc: crc32c(img.data[start:])})
	}
	img.starts = append(img.starts, len(img.data))
	img.data = append(img.data, make([]byte, size-len(img.data))...)
	return img
}

// judgeImage scans data as the only segment and judges it.
func judgeImage(data []byte) (segmentScan, verdict) {
	s := scanSegment("seg", 1, data)
	return s, judge([]segmentScan{s})
}

// zeroSectors zeroes the sectors whose bit is set in mask, from sector
// first on, but never before offset from (bytes there were synced).
func zeroSectors(data []byte, from, first int, mask uint) []byte {
	out := bytes.Clone(data)
	for i := 0; mask>>i != 0; i++ {
		if mask&(1<<i) != 0 {
			lo := max((first+i)*sectorSize, from)
			clear(out[lo:min((first+i+1)*sectorSize, len(out))])
		}
	}
	return out
}

// TestScan_UnfinishedBatch: whichever sectors of the last batch a power
// cut lost, the batch is an unfinished write, set aside; the batches
// before it are kept.
func TestScan_UnfinishedBatch(t *testing.T) {
	img := newV2Image(8192, commitSynced, 3, 3, 6)
	last, end := img.starts[2], img.starts[3]
	first, n := last/sectorSize, (end-1)/sectorSize-last/sectorSize+1
	for mask := uint(1); mask < 1<<n; mask++ {
		t.Run(fmt.Sprintf("sectors %b", mask), func(t *testing.T) {
			data := zeroSectors(img.data, last, first, mask)
			s, v := judgeImage(data)
			if nextNonZero(data, last) == len(data) && v.err == nil && !v.torn { // all lost: nothing to set aside
				return
			}
			if v.err != nil || !v.torn || v.acked || s.end != int64(last) || s.records != img.seqs[2] {
				t.Fatalf("verdict %+v, end %d, %d records: want a torn tail after %d records at %d",
					v, s.end, s.records, img.seqs[2], last)
			}
		})
	}
	// A kill while the batch was being written stops it at a page (here
	// any sector) boundary, or between two writes, at a frame boundary.
	cuts := []int{}
	for c := (last/sectorSize + 1) * sectorSize; c < end; c += sectorSize {
		cuts = append(cuts, c)
	}
	for off := last; off < end; {
		_, _, n, _ := decodeRecord(img.data[off:])
		if n == 0 {
			break
		}
		off += n
		cuts = append(cuts, off)
	}
	for _, cut := range cuts {
		data := bytes.Clone(img.data)
		clear(data[cut:])
		if _, v := judgeImage(data); v.err != nil {
			t.Fatalf("batch written up to %d of [%d, %d): %v", cut, last, end, v.err)
		}
	}
}

// TestScan_DamageIsNotTorn is issue 13 item 2: a flipped byte anywhere in
// the final batches, or a zeroed length of one of the last records, is
// damage to acknowledged data: refused, never taken for a torn tail.
func TestScan_DamageIsNotTorn(t *testing.T) {
	img := newV2Image(8192, commitSynced, 3, 3, 6)
	for b := 0; b < len(img.starts)-1; b++ {
		for pos := img.starts[b]; pos < img.starts[b+1]; pos++ {
			data := bytes.Clone(img.data)
			data[pos] ^= 0xa5
			if data[pos] == 0 {
				data[pos] = 0x5a
			}
			if _, v := judgeImage(data); v.err == nil {
				t.Fatalf("batch %d, byte %d flipped: verdict %+v", b, pos, v)
			}
		}
	}
	for r := 1; r < 6; r++ { // the last batch's records after its first
		off := img.starts[2]
		for range r {
			_, _, n, _ := decodeRecord(img.data[off:])
			off += n
		}
		data := bytes.Clone(img.data)
		clear(data[off : off+4])
		s, v := judgeImage(data)
		if v.err == nil || v.err.Offset != int64(off) {
			t.Fatalf("record %d of the last batch with a zeroed length: verdict %+v (%s)", r, v, s.bad)
		}
	}
}

// TestScan_PowerLossInFsyncOSMode: acknowledged after write(), batches
// after a lost sector may be complete; the loss is allowed, and reported
// as acknowledged, but only when the batches say they were not synced.
func TestScan_PowerLossInFsyncOSMode(t *testing.T) {
	for _, flags := range []uint32{0, commitSynced} {
		img := newV2Image(8192, flags, 3, 3, 6, 2, 2)
		mid := img.starts[2] // the third batch loses a sector; the two after it are whole
		data := zeroSectors(img.data, mid, mid/sectorSize+1, 1)
		s, v := judgeImage(data)
		switch {
		case flags == 0 && (v.err != nil || !v.torn || !v.acked || s.validAt < 0):
			t.Fatalf("FsyncOS batches: verdict %+v, scan %+v; want a torn tail that held acknowledged records", v, s)
		case flags == commitSynced && v.err == nil:
			t.Fatalf("FsyncAlways batches: a hole before synced batches was accepted: %+v", v)
		}
	}
}

// TestJournal_UnfinishedBatchSetAside opens a journal whose last batch a
// power cut tore: the batch is copied to a .broken file, zeroed, logged
// at Warn and reported by Losses; every earlier record is kept.
func TestJournal_UnfinishedBatchSetAside(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: 8 << 10}
	j := openJournal(t, opts)
	ps := payloads(0, 20)
	ps[19] = strings.Repeat("long ", 200) // the last batch spans sectors
	appendAll(t, j, ps)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	seg := segmentPaths(t, dir)[0]
	last, end := recordOffset(ps, 19), recordOffset(ps, 20)
	boundary := (last/sectorSize + 1) * sectorSize
	writeAt(t, seg, last, make([]byte, boundary-last)) // the batch's first sector lost, the rest kept
	torn, _ := os.ReadFile(seg)

	log, logs := newLogger()
	opts.Logger = log
	j = openJournal(t, opts)
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, ps[:19]))
	ls := j.Losses()
	if len(ls) != 1 || ls[0].What != "journal batch" || ls[0].Offset != last || ls[0].Bytes != end-last || ls[0].Acknowledged {
		t.Fatalf("Losses = %+v; want the batch at %d, %d bytes, not acknowledged", ls, last, end-last)
	}
	if b, err := os.ReadFile(ls[0].File); err != nil || !bytes.Equal(b, torn[last:end]) {
		t.Fatalf("%s does not hold the set-aside bytes: %v", ls[0].File, err)
	}
	if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, ".broken") {
		t.Fatalf("no Warn naming the copy:\n%s", out)
	}
	appendAll(t, j, payloads(100, 103))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := VerifyJournal(dir); err != nil || info.TornTailBytes != 0 || info.Records != 22 {
		t.Fatalf("VerifyJournal = %+v, %v", info, err)
	}
}

// TestJournal_DamagedFinalRecordRefused is item 2 through OpenJournal: a
// flipped byte in the last acknowledged record is refused with file and
// offset, and the segment is left exactly as it was.
func TestJournal_DamagedFinalRecordRefused(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, JournalOptions{Dir: dir})
	ps := payloads(0, 5)
	appendAll(t, j, ps)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	seg := segmentPaths(t, dir)[0]
	off := recordOffset(ps, 4)
	flipByte(t, seg, off+recordHeaderSize+3)
	before, _ := os.ReadFile(seg)
	_, err := OpenJournal(JournalOptions{Dir: dir})
	if ce := asCorrupt(t, err); ce.File != seg || ce.Offset != off {
		t.Fatalf("OpenJournal = %v; want %s at offset %d", err, seg, off)
	}
	if after, _ := os.ReadFile(seg); !bytes.Equal(before, after) {
		t.Fatal("a refused open changed the segment")
	}
}

// TestJournal_UpgradeFromV1: a version 1 journal opens with version 1's
// rules, keeps its records, and new records go to a version 2 segment.
func TestJournal_UpgradeFromV1(t *testing.T) {
	for _, records := range []int{0, 12} {
		t.Run(fmt.Sprintf("%d records", records), func(t *testing.T) {
			dir := t.TempDir()
			j := openJournal(t, JournalOptions{Dir: dir, SegmentSize: MinSegmentSize, version: segmentVersion1})
			ps := payloads(0, records)
			appendAll(t, j, ps)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			j = openJournal(t, JournalOptions{Dir: dir, SegmentSize: MinSegmentSize})
			more := payloads(50, 55)
			appendAll(t, j, more)
			all := append(ps, more...)
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, all))
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			segs := segmentPaths(t, dir)
			head, _ := os.ReadFile(segs[len(segs)-1])
			if v := segmentHeaderVersion(head); v != segmentVersion {
				t.Fatalf("newest segment in version %d", v)
			}
			j = openJournal(t, JournalOptions{Dir: dir, SegmentSize: MinSegmentSize})
			checkRecords(t, replayAll(t, j, 0), wantRecords(1, all))
		})
	}
}

// TestScan_RandomSectorLoss tears the tail of a longer image at random:
// whatever the disk kept of the unsynced batches, the verdict is a torn
// tail (FsyncOS) and nothing before the first damaged batch is lost.
func TestScan_RandomSectorLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	img := newV2Image(16384, 0, 2, 3, 1, 4, 2, 5, 1, 3)
	synced := img.starts[3] // batches from the fourth on were never synced
	for range 500 {
		data := bytes.Clone(img.data)
		for sec := synced / sectorSize; sec*sectorSize < img.starts[len(img.starts)-1]; sec++ {
			if r.IntN(3) == 0 {
				clear(data[max(sec*sectorSize, synced) : (sec+1)*sectorSize])
			}
		}
		s, v := judgeImage(data)
		if v.err != nil || s.records < img.seqs[3] {
			t.Fatalf("verdict %+v, %d records kept; want at least %d", v, s.records, img.seqs[3])
		}
	}
}

// TestScan_TornCommitMarker: a sector boundary inside the last batch's
// commit marker and the sector after it lost: what is left of the marker
// must not read as a length reaching past the segment (the power-loss load
// test found this one).
func TestScan_TornCommitMarker(t *testing.T) {
	for k := 1; k < 4; k++ {
		data := appendBatch(encodeSegmentHeader(1), 1, []byte("first"))
		at := len(data)
		// the second batch's record ends k bytes before a sector boundary
		n := (at/sectorSize+2)*sectorSize - k - at - recordHeaderSize
		data = appendBatch(data, 2, bytes.Repeat([]byte("p"), n))
		data = append(data, make([]byte, 4096-len(data))...)
		boundary := at + recordHeaderSize + n + k
		clear(data[boundary : boundary+sectorSize])
		s, v := judgeImage(data)
		if v.err != nil || !v.torn || s.records != 1 {
			t.Fatalf("%d marker bytes kept: verdict %+v, %d records", k, v, s.records)
		}
	}
}
