package persistence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// record is one journal record as a test sees it.
type record struct {
	seq     uint64
	payload string
}

// logBuffer captures log output safely from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// openJournal opens a journal in dir and closes it when the test ends.
func openJournal(tb testing.TB, opts JournalOptions) *Journal {
	tb.Helper()
	j, err := OpenJournal(opts)
	if err != nil {
		tb.Fatalf("OpenJournal: %v", err)
	}
	tb.Cleanup(func() { _ = j.Close() })
	return j
}

// payload returns a recognisable payload of varying length for record i.
func payload(i int) string {
	return fmt.Sprintf("record %d ", i) + strings.Repeat(string(rune('a'+i%26)), i%97)
}

// appendAll appends payloads one by one and checks their sequences follow.
func appendAll(tb testing.TB, j *Journal, payloads []string) {
	tb.Helper()
	for _, p := range payloads {
		want := j.LastSeq() + 1
		seq, err := j.AppendSync([]byte(p))
		if err != nil || seq != want {
			tb.Fatalf("AppendSync = %d, %v; want %d, nil", seq, err, want)
		}
	}
}

func payloads(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, payload(i))
	}
	return out
}

// replayAll returns every record after `after`.
func replayAll(tb testing.TB, j *Journal, after uint64) []record {
	tb.Helper()
	var out []record
	err := j.Replay(after, func(seq uint64, p []byte) error {
		out = append(out, record{seq, string(p)})
		return nil
	})
	if err != nil {
		tb.Fatalf("Replay: %v", err)
	}
	return out
}

// wantRecords builds the records a journal should hold: payloads numbered
// from first.
func wantRecords(first uint64, ps []string) []record {
	out := make([]record, len(ps))
	for i, p := range ps {
		out[i] = record{first + uint64(i), p}
	}
	return out
}

func checkRecords(tb testing.TB, got, want []record) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			tb.Fatalf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func segmentPaths(tb testing.TB, dir string) []string {
	tb.Helper()
	files, err := listSegments(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, f.path)
	}
	return out
}

// recordOffset is where record index i (0-based) of a segment starts,
// given the payloads in it, each appended alone (AppendSync: one record a
// batch, so in format version 2 each is followed by a commit frame).
func recordOffset(ps []string, i int) int64 { return recordOffsetIn(ps, i, segmentVersion) }

// recordOffsetIn is recordOffset for a segment of the given format version.
func recordOffsetIn(ps []string, i int, version uint16) int64 {
	off := int64(segmentHeaderSize)
	for _, p := range ps[:i] {
		off += recordSize(len(p))
		if version != segmentVersion1 {
			off += commitSize
		}
	}
	return off
}

func flipByte(tb testing.TB, path string, off int64) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		tb.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		tb.Fatal(err)
	}
}

func writeAt(tb testing.TB, path string, off int64, b []byte) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		tb.Fatal(err)
	}
}

// copyDir copies the regular files of src into a new directory.
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := tb.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o640); err != nil {
			tb.Fatal(err)
		}
	}
	return dst
}

func dirNames(tb testing.TB, dir string) []string {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

func asCorrupt(tb testing.TB, err error) *CorruptError {
	tb.Helper()
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
		tb.Fatalf("error %v is not a *CorruptError", err)
	}
	return ce
}

func writeSnapshot(tb testing.TB, s *SnapshotStore, seq uint64, payload string) SnapshotInfo {
	tb.Helper()
	info, err := s.Write(seq, func(w io.Writer) error {
		_, err := io.WriteString(w, payload)
		return err
	})
	if err != nil {
		tb.Fatalf("Write(%d): %v", seq, err)
	}
	return info
}

// appendBatch appends a version 2 batch holding one record: the record
// and its commit frame.
func appendBatch(dst []byte, seq uint64, payload []byte) []byte {
	start := len(dst)
	dst = appendRecord(dst, seq, payload)
	return appendCommit(dst, commitFrame{flags: commitSynced, last: seq, length: uint64(len(dst) - start),
		crc: crc32c(dst[start:])})
}
