package persistence

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// backupDirs is a journal with small segments and a snapshot store, as a
// data directory holds them.
type backupDirs struct {
	journal, snapshots string
	j                  *Journal
}

// newBackupDirs writes records 1..records into small segments and a
// snapshot at snapSeq (none if 0); the journal stays open, as while the
// service runs.
func newBackupDirs(tb testing.TB, records int, snapSeq uint64) backupDirs {
	tb.Helper()
	root := tb.TempDir()
	d := backupDirs{journal: filepath.Join(root, "journal"), snapshots: filepath.Join(root, "snapshots")}
	d.j = openJournal(tb, JournalOptions{Dir: d.journal, SegmentSize: MinSegmentSize, Fsync: FsyncOS})
	appendAll(tb, d.j, payloads(1, records+1))
	if snapSeq > 0 {
		s, _ := openSnapshots(tb, d.snapshots, 0)
		writeSnapshot(tb, s, snapSeq, fmt.Sprintf("the state at %d", snapSeq))
	}
	return d
}

func (d backupDirs) options(compress bool) BackupOptions {
	return BackupOptions{JournalDir: d.journal, SnapshotDir: d.snapshots, Version: "test", Compress: compress,
		Now: func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }}
}

func writeBackupT(tb testing.TB, opts BackupOptions) (ArchiveManifest, []byte) {
	tb.Helper()
	var buf bytes.Buffer
	m, err := WriteBackup(&buf, opts)
	if err != nil {
		tb.Fatalf("WriteBackup: %v", err)
	}
	return m, buf.Bytes()
}

// unpackT reads an archive into a new directory laid out as a data
// directory and returns it with the manifest.
func unpackT(tb testing.TB, archive []byte) (string, ArchiveManifest) {
	tb.Helper()
	dir := tb.TempDir()
	m, err := ReadBackup(bytes.NewReader(archive), "test.tar", func(x ArchiveMember, data []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(x.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o640)
	})
	if err != nil {
		tb.Fatalf("ReadBackup: %v", err)
	}
	return dir, m
}

func TestWriteBackup_RoundTrip(t *testing.T) {
	for _, compress := range []bool{true, false} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			d := newBackupDirs(t, 60, 25)
			m, archive := writeBackupT(t, d.options(compress))
			if m.SnapshotSeq != 25 || m.JournalSeq != 60 || m.AllotVersion != "test" || len(m.Members) < 3 {
				t.Fatalf("manifest %+v: want snapshot 25, journal 60, a snapshot and several segments", m)
			}
			if first := m.Members[1]; first.FirstSeq > 26 || first.LastSeq < 26 {
				t.Errorf("first segment holds %d..%d, want the one holding record 26", first.FirstSeq, first.LastSeq)
			}
			dir, got := unpackT(t, archive)
			if !reflect.DeepEqual(got, m) {
				t.Errorf("read manifest %+v\nwritten %+v", got, m)
			}
			var recs []record
			last, err := ReadRecords(filepath.Join(dir, "journal"), 25, ^uint64(0), func(seq uint64, p []byte) error {
				recs = append(recs, record{seq, string(p)})
				return nil
			})
			if err != nil || last != 60 {
				t.Fatalf("ReadRecords = %d, %v", last, err)
			}
			checkRecords(t, recs, wantRecords(26, payloads(26, 61)))
		})
	}
}

func TestWriteBackup_WithoutSnapshot(t *testing.T) {
	d := newBackupDirs(t, 20, 0)
	m, archive := writeBackupT(t, d.options(true))
	if m.SnapshotSeq != 0 || m.JournalSeq != 20 || m.Members[0].FirstSeq != 1 {
		t.Fatalf("manifest %+v: want the whole journal 1..20", m)
	}
	unpackT(t, archive)
}

// A journal that starts after the record following the snapshot (or,
// without a snapshot, after 1) cannot be restored.
func TestWriteBackup_MissingRecords(t *testing.T) {
	dir := t.TempDir()
	j := openJournal(t, JournalOptions{Dir: filepath.Join(dir, "journal"), FirstSeq: 10, SegmentSize: MinSegmentSize})
	appendAll(t, j, payloads(10, 20))
	_, err := WriteBackup(io.Discard, BackupOptions{JournalDir: filepath.Join(dir, "journal"), SnapshotDir: filepath.Join(dir, "snapshots")})
	if !errors.Is(err, ErrMissingRecords) {
		t.Fatalf("WriteBackup = %v, want ErrMissingRecords", err)
	}
	if _, err := ReadRecords(filepath.Join(dir, "journal"), 0, ^uint64(0), func(uint64, []byte) error { return nil }); !errors.Is(err, ErrMissingRecords) {
		t.Fatalf("ReadRecords from 1 = %v, want ErrMissingRecords", err)
	}
}

// The live segment is copied while the writer appends: bytes after the
// last complete record are left out, and the manifest says where it ends.
func TestWriteBackup_CutsTheLiveTail(t *testing.T) {
	d := newBackupDirs(t, 40, 10)
	segs := segmentPaths(t, d.journal)
	last := segs[len(segs)-1]
	info, err := VerifyJournal(d.journal)
	if err != nil {
		t.Fatal(err)
	}
	end := info.Segments[len(info.Segments)-1].Bytes
	writeAt(t, last, end, []byte{0x20, 0, 0, 0, 1, 2, 3}) // a record's first bytes, the rest not yet written
	m, archive := writeBackupT(t, d.options(false))
	if m.JournalSeq != 40 {
		t.Fatalf("JournalSeq %d, want 40, the last complete record", m.JournalSeq)
	}
	if got := m.Members[len(m.Members)-1]; got.Size != end {
		t.Errorf("last segment archived with %d bytes, want %d (cut after its last record)", got.Size, end)
	}
	unpackT(t, archive)

	// A complete batch after the bad bytes is not a write in progress once
	// it stays so: damage, reported with the file and offset.
	writeAt(t, last, end+7, appendBatch(nil, 41, []byte("later")))
	_, err = WriteBackup(io.Discard, d.options(false))
	if ce := asCorrupt(t, err); ce.File != last || ce.Offset != end {
		t.Errorf("error at %s:%d, want %s:%d", ce.File, ce.Offset, last, end)
	}
}

func TestWriteBackup_DamagedSealedSegment(t *testing.T) {
	d := newBackupDirs(t, 60, 25)
	m, _ := writeBackupT(t, d.options(false))
	seg := filepath.Join(d.journal, filepath.Base(m.Members[1].Name))
	flipByte(t, seg, segmentHeaderSize+20)
	_, err := WriteBackup(io.Discard, d.options(false))
	if ce := asCorrupt(t, err); ce.File != seg {
		t.Errorf("error names %s, want %s", ce.File, seg)
	}
}

func TestWriteBackup_SkipsDamagedSnapshot(t *testing.T) {
	d := newBackupDirs(t, 60, 25)
	s, _ := openSnapshots(t, d.snapshots, 0)
	newest := writeSnapshot(t, s, 50, "newer state")
	flipByte(t, newest.Path, snapshotHeaderSize+1)
	var skipped []string
	opts := d.options(true)
	opts.Skipped = func(path string, err error) { skipped = append(skipped, path) }
	m, _ := writeBackupT(t, opts)
	if m.SnapshotSeq != 25 || len(skipped) != 1 || skipped[0] != newest.Path {
		t.Fatalf("snapshot %d, skipped %v; want 25 and the damaged one skipped", m.SnapshotSeq, skipped)
	}
	if _, err := os.Stat(newest.Path); err != nil {
		t.Errorf("the damaged snapshot was touched: %v", err)
	}
}

// Whatever byte of an archive is flipped, reading it either fails with a
// *CorruptError or gives exactly what was archived (a flip in padding or
// in gzip's timestamp changes nothing): never different data.
func TestReadBackup_FlippedByte(t *testing.T) {
	for _, compress := range []bool{true, false} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			d := newBackupDirs(t, 30, 10)
			m, archive := writeBackupT(t, d.options(compress))
			want := membersOf(t, archive)
			step := 1
			if !compress {
				step = 5 // the plain tar is mostly headers and padding
			}
			for i := 0; i < len(archive); i += step {
				b := bytes.Clone(archive)
				b[i] ^= 0x08
				got := map[string]string{}
				gm, err := ReadBackup(bytes.NewReader(b), "a.tar", func(x ArchiveMember, data []byte) error {
					got[x.Name] = string(data)
					return nil
				})
				if err != nil {
					asCorrupt(t, err)
					continue
				}
				if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gm, m) {
					t.Fatalf("flipping byte %d gave different data without an error", i)
				}
			}
		})
	}
}

func membersOf(tb testing.TB, archive []byte) map[string]string {
	tb.Helper()
	out := map[string]string{}
	_, err := ReadBackup(bytes.NewReader(archive), "a.tar", func(x ArchiveMember, data []byte) error {
		out[x.Name] = string(data)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestReadBackup_CutShort(t *testing.T) {
	d := newBackupDirs(t, 30, 10)
	_, archive := writeBackupT(t, d.options(true))
	for n := 0; n < len(archive); n += 7 {
		if _, err := ReadBackup(bytes.NewReader(archive[:n]), "a.tar.gz", nil); err == nil {
			t.Fatalf("an archive cut to %d of %d bytes was accepted", n, len(archive))
		}
	}
}

// Members outside the format (a path escaping the directory, a link, an
// unknown file) are refused before anything is done with them.
func TestReadBackup_RefusesForeignMembers(t *testing.T) {
	for _, h := range []tar.Header{
		{Name: "../journal/0000000000000001.wal", Typeflag: tar.TypeReg},
		{Name: "journal/../../etc/passwd", Typeflag: tar.TypeReg},
		{Name: "journal/0000000000000001.wal", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		{Name: "journal/000000000000000A.wal", Typeflag: tar.TypeReg}, // not the name the journal gives
		{Name: "snapshots/x/0000000000000001.snap", Typeflag: tar.TypeReg},
		{Name: "notes.txt", Typeflag: tar.TypeReg},
	} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		h.Size = 0
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		_ = tw.Close()
		called := false
		_, err := ReadBackup(&buf, "evil.tar", func(ArchiveMember, []byte) error { called = true; return nil })
		if err == nil || called {
			t.Errorf("member %q (type %q): err %v, fn called %v; want refused", h.Name, h.Typeflag, err, called)
		}
	}
}

func TestReadRecords_Range(t *testing.T) {
	d := newBackupDirs(t, 50, 0)
	var got []record
	last, err := ReadRecords(d.journal, 10, 20, func(seq uint64, p []byte) error {
		got = append(got, record{seq, string(p)})
		return nil
	})
	if err != nil || last != 50 {
		t.Fatalf("ReadRecords = %d, %v", last, err)
	}
	checkRecords(t, got, wantRecords(11, payloads(11, 21)))
	if _, err := ReadRecords(d.journal, 0, 51, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrMissingRecords) {
		t.Errorf("ReadRecords past the end = %v, want ErrMissingRecords", err)
	}
}

func TestScanSegment_NameMustMatch(t *testing.T) {
	data := segmentBytes(5, MinSegmentSize, "a", "b")
	if s, err := ScanSegment("x/0000000000000005.wal", data); err != nil || s.LastSeq != 6 || !s.Clean() {
		t.Fatalf("ScanSegment = %+v, %v", s, err)
	}
	if _, err := ScanSegment("x/0000000000000006.wal", data); err == nil {
		t.Error("a segment under another name was accepted")
	}
}

func FuzzReadBackup(f *testing.F) {
	d := newBackupDirs(f, 12, 4)
	_, gz := writeBackupT(f, d.options(true))
	_, plain := writeBackupT(f, d.options(false))
	f.Add(gz)
	f.Add(plain)
	f.Add(plain[:len(plain)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		var last uint64
		m, err := ReadBackup(bytes.NewReader(b), "fuzz.tar", func(x ArchiveMember, _ []byte) error {
			last = x.LastSeq
			return nil
		})
		if err == nil && m.JournalSeq != last {
			t.Fatalf("accepted an archive whose manifest says %d but whose journal ends at %d", m.JournalSeq, last)
		}
	})
}
