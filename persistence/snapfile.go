package persistence

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"
)

const (
	snapshotMagic      = "ALLOTSNP"
	snapshotVersion    = 1
	snapshotHeaderSize = 40
	snapshotExt        = ".snap"
)

// SnapshotInfo describes one snapshot file.
type SnapshotInfo struct {
	Path    string
	Seq     uint64    // journal sequence the snapshot covers
	Size    int64     // file size, header included
	Created time.Time // the file's modification time: when it was written
	// Duration is how long the call that returned this info took to write,
	// read or verify the file (0 from List).
	Duration time.Duration
}

func snapshotName(seq uint64) string { return fmt.Sprintf("%016x%s", seq, snapshotExt) }

// snapHeader is the decoded 40-byte snapshot header (see doc.go).
type snapHeader struct {
	seq    uint64
	length uint64
	crc    uint32
}

func (h snapHeader) encode() []byte {
	b := make([]byte, snapshotHeaderSize)
	copy(b, snapshotMagic)
	binary.LittleEndian.PutUint16(b[8:10], snapshotVersion)
	binary.LittleEndian.PutUint64(b[16:24], h.seq)
	binary.LittleEndian.PutUint64(b[24:32], h.length)
	binary.LittleEndian.PutUint32(b[32:36], h.crc)
	binary.LittleEndian.PutUint32(b[36:40], crc32c(b[:36]))
	return b
}

// decodeSnapHeader checks a header against the size of its file.
func decodeSnapHeader(path string, b []byte, size int64) (snapHeader, error) {
	switch {
	case len(b) < snapshotHeaderSize || size < snapshotHeaderSize:
		return snapHeader{}, corruptf(path, 0, "snapshot header cut short (%d bytes)", size)
	case string(b[:8]) != snapshotMagic:
		return snapHeader{}, corruptf(path, 0, "bad snapshot magic")
	case crc32c(b[:36]) != binary.LittleEndian.Uint32(b[36:40]):
		return snapHeader{}, corruptf(path, 36, "snapshot header crc mismatch")
	}
	if v := binary.LittleEndian.Uint16(b[8:10]); v != snapshotVersion {
		return snapHeader{}, corruptf(path, 8, "unsupported snapshot format version %d", v)
	}
	h := snapHeader{seq: binary.LittleEndian.Uint64(b[16:24]), length: binary.LittleEndian.Uint64(b[24:32]),
		crc: binary.LittleEndian.Uint32(b[32:36])}
	if have := uint64(size - snapshotHeaderSize); h.length != have {
		off := size // truncated: the data stops here
		if h.length < have {
			off = snapshotHeaderSize + int64(h.length) // trailing bytes start here
		}
		return snapHeader{}, corruptf(path, off, "snapshot payload is %d bytes, header says %d", have, h.length)
	}
	return h, nil
}

// decodeSnapshot checks a whole snapshot file's bytes and returns its
// payload, which aliases data.
func decodeSnapshot(path string, data []byte) (snapHeader, []byte, error) {
	h, err := decodeSnapHeader(path, data, int64(len(data)))
	if err != nil {
		return h, nil, err
	}
	payload := data[snapshotHeaderSize:]
	if crc32c(payload) != h.crc {
		return h, nil, corruptf(path, snapshotHeaderSize, "snapshot payload crc mismatch")
	}
	return h, payload, nil
}

// ReadSnapshot reads and fully checks one snapshot file, returning its
// payload in memory. Any check that fails gives a *CorruptError.
func ReadSnapshot(path string) (SnapshotInfo, []byte, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("persistence: read snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("persistence: read snapshot: %w", err)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("persistence: read snapshot %s: %w", path, err)
	}
	h, payload, err := decodeSnapshot(path, data)
	if err != nil {
		return SnapshotInfo{}, nil, err
	}
	return SnapshotInfo{Path: path, Seq: h.seq, Size: int64(len(data)), Created: st.ModTime(),
		Duration: time.Since(start)}, payload, nil
}

// VerifySnapshot fully checks one snapshot file without loading its
// payload into memory and without changing anything: for inspection tools.
func VerifySnapshot(path string) (SnapshotInfo, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("persistence: verify snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("persistence: verify snapshot: %w", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	hb := make([]byte, snapshotHeaderSize)
	n, err := io.ReadFull(r, hb)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return SnapshotInfo{}, fmt.Errorf("persistence: verify snapshot: %w", err)
	}
	h, err := decodeSnapHeader(path, hb[:n], st.Size())
	if err != nil {
		return SnapshotInfo{}, err
	}
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, r); err != nil {
		return SnapshotInfo{}, fmt.Errorf("persistence: verify snapshot: %w", err)
	}
	if crc.Sum32() != h.crc {
		return SnapshotInfo{}, corruptf(path, snapshotHeaderSize, "snapshot payload crc mismatch")
	}
	return SnapshotInfo{Path: path, Seq: h.seq, Size: st.Size(), Created: st.ModTime(),
		Duration: time.Since(start)}, nil
}

// summingWriter counts and checksums what goes through it.
type summingWriter struct {
	w   io.Writer
	n   uint64
	crc uint32
}

func (s *summingWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n += uint64(n)
	s.crc = crc32.Update(s.crc, castagnoli, p[:n])
	return n, err
}

// tricklingWriter writes a snapshot file and has the disk take it a few
// megabytes at a time (writeBehind): a snapshot of a large state left
// whole in the page cache until its final fsync would go to the disk in
// one burst, and the journal's fdatasync calls would queue behind it. The
// file's final fdatasync (writeFileAtomic) still makes it durable. Where
// sync_file_range is not supported, each chunk is fdatasync'ed instead.
type tricklingWriter struct {
	f   *os.File
	off int64 // the file's size so far
	wb  *writeBehind
}

// trickleEvery is how many bytes are written between two flushes.
const trickleEvery = 4 << 20

func newTricklingWriter(f *os.File, off int64) *tricklingWriter {
	return &tricklingWriter{f: f, off: off, wb: newWriteBehind(f, off)}
}

func (t *tricklingWriter) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	if t.off += int64(n); err == nil && t.wb.pending(t.off) >= trickleEvery {
		err = t.trickle()
	}
	return n, err
}

// trickle hands the bytes written since the last call to the disk, or
// syncs them where they cannot be handed over.
func (t *tricklingWriter) trickle() error {
	ok, err := t.wb.handOver(t.off)
	if ok || err != nil {
		return err
	}
	return fdatasync(t.f, t.f.Name())
}

// writeSnapshotFile streams the payload after a blank header, then seeks
// back (WriteAt) to fill the header in once length and CRC are known.
func writeSnapshotFile(f *os.File, seq uint64, write func(w io.Writer) error) error {
	if _, err := f.Write(make([]byte, snapshotHeaderSize)); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(newTricklingWriter(f, snapshotHeaderSize), 1<<20)
	sw := &summingWriter{w: bw}
	if err := write(sw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := f.WriteAt(snapHeader{seq: seq, length: sw.n, crc: sw.crc}.encode(), 0)
	return err
}
