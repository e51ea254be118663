package persistence

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestJournal_LockSurvivesDeletedLockFile: deleting LOCK under a running
// journal must not let a second writer in (it would overwrite records the
// first acknowledged).
func TestJournal_LockSurvivesDeletedLockFile(t *testing.T) {
	dir := t.TempDir()
	opts := JournalOptions{Dir: dir, SegmentSize: MinSegmentSize}
	j := openJournal(t, opts)
	appendAll(t, j, payloads(0, 5))
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	j2, err := OpenJournal(opts)
	if err == nil {
		_ = j2.Close()
		t.Fatal("a second OpenJournal succeeded once LOCK was deleted")
	}
	if !strings.Contains(err.Error(), dir) || !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Errorf("error %v: want one naming %s, wrapping EWOULDBLOCK", err, dir)
	}
	if _, err := RepairJournal(dir, RepairOptions{}); err == nil {
		t.Error("RepairJournal ran on an open journal")
	}
	appendAll(t, j, payloads(5, 10))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, opts)
	checkRecords(t, replayAll(t, j, 0), wantRecords(1, payloads(0, 10)))
}

// TestJournal_LockExcludesOldReleases: a process holding only LOCK (what
// earlier releases lock) keeps a new one out.
func TestJournal_LockExcludesOldReleases(t *testing.T) {
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if j, err := OpenJournal(JournalOptions{Dir: dir}); err == nil {
		_ = j.Close()
		t.Fatal("OpenJournal ignored a lock on LOCK")
	}
	_ = f.Close()
	openJournal(t, JournalOptions{Dir: dir})
}

// TestMkdirAllSync: creating the journal's and the snapshots' directories
// syncs each new directory's parent, so that a power loss cannot take the
// directories (and every file synced into them) away.
func TestMkdirAllSync(t *testing.T) {
	var synced []string
	syncDir = func(d string) error {
		synced = append(synced, d)
		return SyncDir(d)
	}
	defer func() { syncDir = SyncDir }()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	// Only the parents count here: the journal syncs its own directory as
	// it installs a segment.
	parents := func() []string {
		return slices.DeleteFunc(slices.Clone(synced), func(d string) bool { return d != root && d != data })
	}
	j := openJournal(t, JournalOptions{Dir: filepath.Join(data, "journal")})
	if want := []string{root, data}; !slices.Equal(parents(), want) {
		t.Errorf("OpenJournal synced %q, want %q among them, in that order", synced, want)
	}
	synced = nil
	if _, err := OpenSnapshots(filepath.Join(data, "snapshots"), 0, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{data}; !slices.Equal(parents(), want) {
		t.Errorf("OpenSnapshots synced %q, want %q among them", synced, want)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	synced = nil
	openJournal(t, JournalOptions{Dir: filepath.Join(data, "journal")})
	if len(parents()) != 0 {
		t.Errorf("reopening synced %q: no directory was created", synced)
	}
	boom := errors.New("injected EIO")
	syncDir = func(string) error { return boom }
	if _, err := OpenSnapshots(filepath.Join(data, "more", "snapshots"), 0, nil); !errors.Is(err, boom) {
		t.Errorf("OpenSnapshots with a failing directory sync = %v", err)
	}
}
