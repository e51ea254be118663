package persistence

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestJournal_FsyncOSHandsWritesOut checks that an FsyncOS journal hands
// what it wrote to the disk every handOutEvery bytes, and that an
// FsyncAlways one, which syncs every batch, does not.
func TestJournal_FsyncOSHandsWritesOut(t *testing.T) {
	probe, err := os.Create(filepath.Join(t.TempDir(), "probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if _, err := probe.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if !newWriteBehind(probe, 0).start(1) {
		t.Skip("this file system refuses sync_file_range: writes are left to fdatasync, as before")
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			j := openJournal(t, JournalOptions{Dir: t.TempDir(), Fsync: mode, SegmentSize: 64 << 20})
			start := j.w.wb.started // the writer's own: read only before the first append and after Close
			rec := bytes.Repeat([]byte{'x'}, 64<<10)
			for range 2*handOutEvery/len(rec) + 4 {
				if _, err := j.AppendSync(rec); err != nil {
					t.Fatal(err)
				}
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			handed, off := j.w.wb.started, j.w.off
			if mode == FsyncAlways {
				if handed != start {
					t.Fatalf("FsyncAlways handed writes out up to %d (from %d); want none", handed, start)
				}
				return
			}
			if handed < start+2*handOutEvery || handed > off || off-handed >= handOutEvery {
				t.Fatalf("handed out up to %d of %d bytes written from %d; want every %d handed out", handed, off, start, handOutEvery)
			}
		})
	}
}
