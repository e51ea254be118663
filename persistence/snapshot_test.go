package persistence

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openSnapshots(tb testing.TB, dir string, keep int) (*SnapshotStore, *logBuffer) {
	tb.Helper()
	log, logs := newLogger()
	s, err := OpenSnapshots(dir, keep, log)
	if err != nil {
		tb.Fatal(err)
	}
	return s, logs
}

func TestSnapshotStore_WriteLoad(t *testing.T) {
	s, _ := openSnapshots(t, t.TempDir(), 0)
	if _, _, err := s.LoadNewest(); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("LoadNewest on an empty store = %v", err)
	}
	body := strings.Repeat("state ", 200_000) // streamed in many writes below
	info, err := s.Write(42, func(w io.Writer) error {
		for i := 0; i < len(body); i += 6 {
			if _, err := io.WriteString(w, body[i:i+6]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Seq != 42 || info.Size != int64(snapshotHeaderSize+len(body)) || filepath.Base(info.Path) != "000000000000002a.snap" {
		t.Fatalf("Write info = %+v", info)
	}
	got, payload, err := s.LoadNewest()
	if err != nil || got.Seq != 42 || string(payload) != body {
		t.Fatalf("LoadNewest = %+v, %d bytes, %v", got, len(payload), err)
	}
	v, err := VerifySnapshot(info.Path)
	if err != nil || v.Seq != 42 || v.Size != info.Size {
		t.Fatalf("VerifySnapshot = %+v, %v", v, err)
	}
	if names := dirNames(t, s.Dir()); len(names) != 1 {
		t.Fatalf("store holds %v, want the snapshot only", names)
	}
}

func TestSnapshotStore_Keep(t *testing.T) {
	s, _ := openSnapshots(t, t.TempDir(), 2)
	for seq := uint64(1); seq <= 5; seq++ {
		writeSnapshot(t, s, seq*10, "state")
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Seq != 50 || list[1].Seq != 40 {
		t.Fatalf("List = %+v, %v; want seqs 50, 40", list, err)
	}
	if _, err := OpenSnapshots(t.TempDir(), -1, nil); err == nil {
		t.Fatal("OpenSnapshots with keep -1 succeeded")
	}
}

// TestSnapshotStore_Damaged damages the newest snapshot in each way a file
// can go bad: it must be set aside and the previous one used.
func TestSnapshotStore_Damaged(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"payload byte flipped", func(t *testing.T, p string) { flipByte(t, p, snapshotHeaderSize+3) }},
		{"truncated", func(t *testing.T, p string) { truncate(t, p, -5) }},
		{"header cut short", func(t *testing.T, p string) { truncate(t, p, 12-fileSize(t, p)) }},
		{"empty file", func(t *testing.T, p string) { truncate(t, p, -fileSize(t, p)) }},
		{"trailing bytes", func(t *testing.T, p string) { writeAt(t, p, fileSize(t, p), []byte("more")) }},
		{"bad magic", func(t *testing.T, p string) { flipByte(t, p, 0) }},
		{"header crc", func(t *testing.T, p string) { flipByte(t, p, 20) }},
		{"unknown version", func(t *testing.T, p string) { rewriteHeader(t, p, func(h []byte) { h[8] = 2 }) }},
		{"seq does not match name", func(t *testing.T, p string) { rewriteHeader(t, p, func(h []byte) { h[16]++ }) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := openSnapshots(t, t.TempDir(), 3)
			writeSnapshot(t, s, 10, "older")
			newest := writeSnapshot(t, s, 20, "newest state")
			tt.damage(t, newest.Path)
			if _, _, err := ReadSnapshot(newest.Path); tt.name != "seq does not match name" {
				asCorrupt(t, err)
			}
			info, payload, err := s.LoadNewest()
			if err != nil || info.Seq != 10 || string(payload) != "older" {
				t.Fatalf("LoadNewest = %+v %q %v; want the older snapshot", info, payload, err)
			}
			if _, err := os.Stat(newest.Path + ".broken"); err != nil {
				t.Fatalf("damaged snapshot not renamed .broken: %v (dir %v)", err, dirNames(t, s.Dir()))
			}
			if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, newest.Path) {
				t.Fatalf("no Warn naming the snapshot:\n%s", out)
			}
		})
	}
}

func TestSnapshotStore_AllDamaged(t *testing.T) {
	s, _ := openSnapshots(t, t.TempDir(), 3)
	a := writeSnapshot(t, s, 1, "a")
	b := writeSnapshot(t, s, 2, "b")
	flipByte(t, a.Path, snapshotHeaderSize)
	flipByte(t, b.Path, snapshotHeaderSize)
	if _, _, err := s.LoadNewest(); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("LoadNewest with only damaged snapshots = %v", err)
	}
}

func TestSnapshotStore_PruneSetsAsideDamaged(t *testing.T) {
	s, _ := openSnapshots(t, t.TempDir(), 2)
	a := writeSnapshot(t, s, 1, "a")
	truncate(t, a.Path, -1)
	writeSnapshot(t, s, 2, "b")
	writeSnapshot(t, s, 3, "c")
	want := []string{"0000000000000001.snap.broken", "0000000000000002.snap", "0000000000000003.snap"}
	if got := dirNames(t, s.Dir()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("store holds %v, want %v", got, want)
	}
}

func TestSnapshotStore_TempLeftovers(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"0000000000000005.snap.tmp-123", "0000000000000006.snap.tmp-9"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("half"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	keepers := []string{"notes.txt", "0000000000000001.snap.broken"}
	for _, n := range keepers {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	openSnapshots(t, dir, 0)
	if got := dirNames(t, dir); strings.Join(got, ",") != "0000000000000001.snap.broken,notes.txt" {
		t.Fatalf("after OpenSnapshots the directory holds %v", got)
	}
}

func TestSnapshotStore_WriteError(t *testing.T) {
	s, _ := openSnapshots(t, t.TempDir(), 0)
	boom := errors.New("encoder failed")
	_, err := s.Write(7, func(w io.Writer) error {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 3<<20))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want it to wrap the writer's error", err)
	}
	if names := dirNames(t, s.Dir()); len(names) != 0 {
		t.Fatalf("failed Write left %v", names)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	write := func(s string, err error) error {
		return WriteFileAtomic(path, 0o600, func(w io.Writer) error {
			_, _ = io.WriteString(w, s)
			return err
		})
	}
	if err := write("one", nil); err != nil {
		t.Fatal(err)
	}
	if err := write("two", nil); err != nil {
		t.Fatal(err)
	}
	if err := write("three", errors.New("fail")); err == nil {
		t.Fatal("WriteFileAtomic ignored the writer's error")
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "two" {
		t.Fatalf("file holds %q, %v; want the last successful write", b, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("temp files left: %v", names)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), 0o600, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("WriteFileAtomic into a missing directory succeeded")
	}
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

func truncate(tb testing.TB, path string, by int64) {
	tb.Helper()
	if err := os.Truncate(path, fileSize(tb, path)+by); err != nil {
		tb.Fatal(err)
	}
}

// rewriteHeader changes a snapshot header and fixes its CRC, so that only
// the change itself is wrong.
func rewriteHeader(tb testing.TB, path string, change func(h []byte)) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	change(b[:snapshotHeaderSize])
	binary.LittleEndian.PutUint32(b[36:40], crc32c(b[:36]))
	if err := os.WriteFile(path, b, 0o640); err != nil {
		tb.Fatal(err)
	}
}

// TestSnapshotStore_largeSnapshotTrickles writes a snapshot several
// trickle chunks long, in pieces of odd sizes, and reads back every byte:
// handing chunks to the disk as they fill must not change what is in the
// file.
func TestSnapshotStore_largeSnapshotTrickles(t *testing.T) {
	s, _ := openSnapshots(t, t.TempDir(), 2)
	payload := make([]byte, 3*trickleEvery+12345)
	for i := range payload {
		payload[i] = byte(i*7 + i/4099)
	}
	info, err := s.Write(42, func(w io.Writer) error {
		for rest := payload; len(rest) > 0; {
			n := min(len(rest), 777_777)
			if _, err := w.Write(rest[:n]); err != nil {
				return err
			}
			rest = rest[n:]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, data, err := ReadSnapshot(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != 42 || !bytes.Equal(data, payload) {
		t.Fatalf("read back seq %d and %d bytes (equal: %v), want 42 and the %d written", got.Seq, len(data), bytes.Equal(data, payload), len(payload))
	}
}
