package simdisk

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"
)

// write creates (or opens) name and writes b at off, without syncing.
func write(tb testing.TB, m *Mount, name string, off int64, b []byte) *File {
	tb.Helper()
	f, err := m.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		tb.Fatal(err)
	}
	return f.(*File)
}

func read(tb testing.TB, m *Mount, name string) []byte {
	tb.Helper()
	b, err := m.ReadFile(name)
	if err != nil {
		tb.Fatalf("read %s: %v", name, err)
	}
	return b
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestDisk_CutKeepsWhatWasSynced(t *testing.T) {
	d := New()
	m := d.Mount()
	must(t, m.MkdirAll("/d", 0))
	f := write(t, m, "/d/f", 0, bytes.Repeat([]byte{1}, 2*PageSize))
	must(t, f.Sync())
	must(t, m.SyncDir("/d"))
	write(t, m, "/d/f", PageSize, bytes.Repeat([]byte{2}, 10)) // unsynced, second page

	d.Cut(Policy{}) // lose everything unsynced
	if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrPowerOff) {
		t.Fatalf("read on a file opened before the cut = %v", err)
	}
	m = d.Mount()
	if got := read(t, m, "/d/f"); !bytes.Equal(got, bytes.Repeat([]byte{1}, 2*PageSize)) {
		t.Fatal("the unsynced write survived a cut that loses everything")
	}
	write(t, m, "/d/f", PageSize, bytes.Repeat([]byte{2}, 10))
	d.Cut(Policy{Keep: KeepAll})
	if got := read(t, d.Mount(), "/d/f"); got[PageSize] != 2 {
		t.Fatal("KeepAll lost an unsynced write")
	}
}

func TestDisk_NamesNeedTheDirectorySynced(t *testing.T) {
	d := New()
	m := d.Mount()
	must(t, m.MkdirAll("/d", 0))
	f := write(t, m, "/d/a", 0, []byte("x"))
	must(t, f.Sync()) // the data, not the name
	d.Cut(Policy{Keep: func(u Unit) bool { return u.Kind != NameUnit }})
	if _, err := d.Mount().Stat("/d/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a creation whose directory was never synced survived: %v", err)
	}

	m = d.Mount()
	f = write(t, m, "/d/a", 0, []byte("x"))
	must(t, f.Sync())
	must(t, m.SyncDir("/d"))
	must(t, m.Rename("/d/a", "/d/b"))
	d.Cut(Policy{})
	m = d.Mount()
	if _, err := m.Stat("/d/a"); err != nil {
		t.Fatalf("the synced name went with an unsynced rename: %v", err)
	}
}

// TestDisk_SectorTearing: with Sectors, one page can come back part new,
// part old.
func TestDisk_SectorTearing(t *testing.T) {
	d := New()
	m := d.Mount()
	must(t, m.MkdirAll("/d", 0))
	f := write(t, m, "/d/f", 0, make([]byte, PageSize))
	must(t, f.Sync())
	must(t, m.SyncDir("/d"))
	write(t, m, "/d/f", 0, bytes.Repeat([]byte{7}, PageSize))
	d.Cut(Policy{Sectors: true, Keep: func(u Unit) bool { return u.Off == SectorSize }})
	got := read(t, d.Mount(), "/d/f")
	if got[0] != 0 || got[SectorSize] != 7 || got[2*SectorSize] != 0 {
		t.Fatalf("sectors 0, 1, 2 = %d %d %d; want only sector 1 kept", got[0], got[SectorSize], got[2*SectorSize])
	}
}

// TestDisk_FailedSync: after a failed fdatasync the cache still shows the
// write, the disk does not, and the sectors are clean, so a later
// successful sync does not write them: only DropCache tells.
func TestDisk_FailedSync(t *testing.T) {
	d := New()
	m := d.Mount()
	must(t, m.MkdirAll("/d", 0))
	f := write(t, m, "/d/f", 0, make([]byte, PageSize))
	must(t, f.Sync())
	must(t, m.SyncDir("/d"))
	boom := errors.New("EIO")
	d.SetFaults(Faults{Sync: func(string) error { return boom }})
	write(t, m, "/d/f", 0, []byte("lost"))
	if err := f.Sync(); !errors.Is(err, boom) {
		t.Fatalf("Sync = %v, want the injected error", err)
	}
	d.SetFaults(Faults{})
	must(t, f.Sync())
	if got := read(t, m, "/d/f"); string(got[:4]) != "lost" {
		t.Fatal("the cache forgot the write of the failed sync")
	}
	must(t, f.DropCache())
	if got := read(t, m, "/d/f"); got[0] != 0 {
		t.Fatal("after DropCache the read still shows bytes the disk never got")
	}
}

func TestDisk_CrashKeepsTheCache(t *testing.T) {
	d := New()
	m := d.Mount()
	must(t, m.MkdirAll("/d", 0))
	write(t, m, "/d/f", 0, []byte("cached"))
	if _, err := m.Lock("/d"); err != nil {
		t.Fatal(err)
	}
	d.Crash()
	m = d.Mount()
	if string(read(t, m, "/d/f")) != "cached" {
		t.Fatal("a kill lost the page cache")
	}
	if _, err := m.Lock("/d"); err != nil {
		t.Fatalf("the dead process's lock is still held: %v", err)
	}
	if _, err := m.Lock("/d"); err == nil {
		t.Fatal("a second lock in one process succeeded")
	}
}

func TestDisk_CutAfter(t *testing.T) {
	d := New()
	m := d.Mount()
	must(t, m.MkdirAll("/d", 0))
	f := write(t, m, "/d/f", 0, []byte("a"))
	d.CutAfter(2, Policy{Keep: KeepAll})
	if _, err := f.WriteAt([]byte("b"), 1); err != nil {
		t.Fatal(err)
	}
	if fired, _ := d.Fired(); fired {
		t.Fatal("fired a call early")
	}
	if _, err := f.WriteAt([]byte("c"), 2); !errors.Is(err, ErrPowerOff) {
		t.Fatalf("the second call = %v, want ErrPowerOff", err)
	}
	if fired, rep := d.Fired(); !fired || rep.Kept != 1 {
		t.Fatalf("fired %v, report %+v", fired, rep)
	}
	if got := string(read(t, d.Mount(), "/d/f")); got != "ab" {
		t.Fatalf("after the cut the file holds %q, want the writes before it", got)
	}
}
