package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Segment sizes for JournalOptions.SegmentSize.
const (
	// DefaultSegmentSize is the size segments are preallocated to: large
	// enough that rollovers are rare, small enough that Compact frees
	// space soon after a snapshot.
	DefaultSegmentSize = 64 << 20
	// MinSegmentSize is the smallest segment accepted: a header and a few
	// records. Tests and the golden fixtures use it to stay small.
	MinSegmentSize = 1 << 10
)

const (
	segmentMagic = "ALLOTWAL"
	// segmentVersion is the format new segments are written in: version 2
	// ends every batch with a commit frame. Version 1 segments (records
	// only) are still read, with the rules they were written under.
	segmentVersion    = 2
	segmentVersion1   = 1
	segmentHeaderSize = 32
	segmentExt        = ".wal"
	// nextSegmentName is the file being preallocated for the next rollover;
	// it only becomes a segment when renamed, with its header synced.
	nextSegmentName = "next.wal.tmp"
	filePerm        = 0o640
	dirPerm         = 0o750
)

// segmentName names a segment by its first sequence, in hex so that
// names sort in sequence order.
func segmentName(first uint64) string { return fmt.Sprintf("%016x%s", first, segmentExt) }

// parseSeqName reads "<16 hex digits><ext>"; anything else is not ours.
func parseSeqName(name, ext string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, ext)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	n, err := strconv.ParseUint(hex, 16, 64)
	return n, err == nil
}

// encodeSegmentHeader lays out the 32-byte header of a segment in the
// format new segments are written in (see doc.go).
func encodeSegmentHeader(first uint64) []byte {
	return encodeSegmentHeaderVersion(first, segmentVersion)
}

// encodeSegmentHeaderVersion lays out a segment header of the given format
// version: a segment rewritten from another keeps that one's version,
// since its records are framed by it.
func encodeSegmentHeaderVersion(first uint64, version uint16) []byte {
	h := make([]byte, segmentHeaderSize)
	copy(h, segmentMagic)
	binary.LittleEndian.PutUint16(h[8:10], version)
	binary.LittleEndian.PutUint64(h[16:24], first)
	binary.LittleEndian.PutUint32(h[24:28], crc32c(h[:24]))
	return h
}

// decodeSegmentHeader returns the first sequence, or why the header is bad.
func decodeSegmentHeader(b []byte) (first uint64, bad string) {
	switch {
	case len(b) < segmentHeaderSize:
		return 0, "segment header cut short"
	case string(b[:8]) != segmentMagic:
		return 0, "bad segment magic"
	case crc32c(b[:24]) != binary.LittleEndian.Uint32(b[24:28]):
		return 0, "segment header crc mismatch"
	}
	if v := segmentHeaderVersion(b); v != segmentVersion && v != segmentVersion1 {
		return 0, fmt.Sprintf("unsupported segment format version %d", v)
	}
	return binary.LittleEndian.Uint64(b[16:24]), ""
}

// segmentHeaderVersion is the format version of a header that
// decodeSegmentHeader accepted.
func segmentHeaderVersion(b []byte) uint16 { return binary.LittleEndian.Uint16(b[8:10]) }

// segmentFile is a segment found in a directory listing.
type segmentFile struct {
	path  string
	first uint64 // from the name
}

// listSegments returns the directory's segments in sequence order.
func listSegments(dir string) ([]segmentFile, error) { return listSegmentsFS(osFS{}, dir) }

// listSegmentsFS is listSegments through fsys.
func listSegmentsFS(fsys FS, dir string) ([]segmentFile, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("persistence: list journal: %w", err)
	}
	var out []segmentFile
	for _, e := range ents {
		if first, ok := parseSeqName(e.Name(), segmentExt); ok && e.Type().IsRegular() {
			out = append(out, segmentFile{path: filepath.Join(dir, e.Name()), first: first})
		}
	}
	slices.SortFunc(out, func(a, b segmentFile) int { return cmpUint(a.first, b.first) })
	return out, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// zeroChunk is written over preallocated space; read-only, shared. It is
// a quarter of a megabyte so that one write keeps its processor only a
// fraction of a millisecond (see writeZeros).
var zeroChunk = make([]byte, 256<<10)

// preallocate makes [from, to) of f real, zero-filled blocks.
//
// Measured on this project's 2-core VM (ext4, 64 MiB segment, pwrite +
// fdatasync per batch): with 11-116 KB batches fdatasync took p50 ~150 µs
// into zero-written blocks and ~210-360 µs into fallocate-only or sparse
// (ftruncate) space, because each first write into an "unwritten" extent
// makes fdatasync commit extent metadata. So space is zero-written. The
// fallocate first is kept because it fails fast with ENOSPC and asks for
// contiguous blocks; where it is unsupported (or the file has no
// descriptor) the zero writes suffice.
func preallocate(f File, from, to int64) error {
	if to <= from {
		return nil
	}
	if d, ok := f.(fdFile); ok {
		err := syscall.Fallocate(int(d.Fd()), 0, from, to-from)
		if err != nil && !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) {
			return fmt.Errorf("persistence: fallocate %s: %w", f.Name(), err)
		}
	}
	return writeZeros(f, from, to)
}

// namedWriterAt is what writeZeros needs of a file (*os.File and File).
type namedWriterAt interface {
	io.WriterAt
	Name() string
}

// writeZeros overwrites [from, to) of f with zeros, handing each chunk to
// the disk as it goes (writeBehind) and yielding its processor after each.
//
// Handed over, the zeros reach the disk a chunk at a time beside the
// journal's commits; left to the segment's fdatasync they went in one
// burst of 64 MiB that the journal's next fdatasync waited behind.
//
// The yield keeps the preparation from stranding goroutines. A goroutine
// in a system call keeps its processor, and the runtime's monitor takes it
// back only from a call that outlasts one of its ticks (up to 10 ms when
// the program looks idle to it): a new call every few milliseconds never
// does. Whatever was runnable on that processor's queue waited for all of
// them. In a trace of loadtest -mode restore, the journal's writer, woken
// just before the preparation took the processor, waited 20 ms behind
// eight 1 MiB writes of 2.5 ms each while the other processor ran a
// snapshot's encoders, which never steal.
func writeZeros(f namedWriterAt, from, to int64) error {
	wb := newWriteBehind(f, from)
	for off := from; off < to; {
		n := min(int64(len(zeroChunk)), to-off)
		if _, err := f.WriteAt(zeroChunk[:n], off); err != nil {
			return fmt.Errorf("persistence: write zeros to %s: %w", f.Name(), err)
		}
		off += n
		if _, err := wb.handOver(off); err != nil {
			return err
		}
		runtime.Gosched()
	}
	return nil
}

// prepareSegment creates the next segment file, preallocated to size and
// synced, under a temporary name. installSegment later gives it its header
// and its real name.
func prepareSegment(fsys FS, dir string, size int64) (File, error) {
	path := filepath.Join(dir, nextSegmentName)
	f, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return nil, fmt.Errorf("persistence: create segment: %w", err)
	}
	if err = preallocate(f, 0, size); err == nil {
		err = fdatasync(f, path)
	}
	if err != nil {
		_ = f.Close()
		_ = fsys.Remove(path)
		return nil, fmt.Errorf("persistence: prepare segment: %w", err)
	}
	return f, nil
}

// installSegment turns a prepared file into the segment starting at first,
// in the given format version. The header is synced before the rename, so
// a file with a segment's name always has a valid header; the directory
// sync makes the name durable. replace allows taking the name of an
// existing segment (an empty one being rewritten in the current version).
func installSegment(fsys FS, dir string, f File, first uint64, version uint16, replace bool) (string, error) {
	if _, err := f.WriteAt(encodeSegmentHeaderVersion(first, version), 0); err != nil {
		return "", fmt.Errorf("persistence: write segment header: %w", err)
	}
	path := filepath.Join(dir, segmentName(first))
	tmp := filepath.Join(dir, nextSegmentName)
	if err := fdatasync(f, tmp); err != nil {
		return "", err
	}
	if _, err := fsys.Stat(path); err == nil && !replace {
		return "", fmt.Errorf("persistence: segment %s already exists", path)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("persistence: install segment: %w", err)
	}
	return path, fsys.SyncDir(dir)
}
