package persistence

import (
	"slices"
	"strings"
	"testing"
)

// TestRecover_Losses: a start reports the snapshots it fell back from and
// what the journal's open set aside, in RecoveryInfo.Losses and at Error.
func TestRecover_Losses(t *testing.T) {
	log, logs := newLogger()
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize, Logger: log})
	appendAll(t, j, payloads(0, 30))
	s, _ := openSnapshots(t, t.TempDir(), 0)
	writeSnapshot(t, s, 10, "state@10")
	newest := writeSnapshot(t, s, 20, "state@20")
	flipByte(t, newest.Path, snapshotHeaderSize+2)
	j.losses = []Loss{{What: "journal tail", File: "x.broken", Offset: 40, Bytes: 7}}

	r, info, err := recoverInto(j, s)
	if err != nil || r.restoredAt != 10 {
		t.Fatalf("Recover = %+v, %v; want the snapshot at 10", info, err)
	}
	if len(info.Losses) != 2 || info.Losses[0] != j.losses[0] {
		t.Fatalf("Losses = %+v: want the journal's, then the snapshot", info.Losses)
	}
	snap := info.Losses[1]
	if snap.What != "snapshot" || !strings.HasPrefix(snap.File, newest.Path+".broken") || snap.Bytes != newest.Size ||
		snap.Offset != snapshotHeaderSize || snap.Acknowledged {
		t.Errorf("snapshot loss %+v", snap)
	}
	lines := slices.DeleteFunc(strings.Split(logs.String(), "\n"), func(l string) bool {
		return !strings.Contains(l, "level=ERROR")
	})
	if len(lines) != 2 || !strings.Contains(lines[1], ".broken") {
		t.Errorf("want one Error line per loss, naming the file:\n%s", strings.Join(lines, "\n"))
	}
}

// TestRecover_NoLosses: a clean start reports none.
func TestRecover_NoLosses(t *testing.T) {
	j := openJournal(t, JournalOptions{Dir: t.TempDir(), SegmentSize: MinSegmentSize})
	appendAll(t, j, payloads(0, 5))
	s, _ := openSnapshots(t, t.TempDir(), 0)
	writeSnapshot(t, s, 3, "state@3")
	if _, info, err := recoverInto(j, s); err != nil || len(info.Losses) != 0 {
		t.Fatalf("Recover = %+v, %v", info, err)
	}
}
