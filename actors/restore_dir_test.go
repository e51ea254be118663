package actors

import (
	"context"
	"os"
	"testing"
	"time"

	"allot/persistence"
)

// TestRestore_DataDir opens the data directory ALLOT_RESTORE_DIR (one that
// `loadtest -mode restore -dir` left) and reports how long each part of the
// restart took: for profiling a large restore with -cpuprofile. It changes
// nothing on disk (no final snapshot) and is skipped without the variable.
func TestRestore_DataDir(t *testing.T) {
	dir := os.Getenv("ALLOT_RESTORE_DIR")
	if dir == "" {
		t.Skip("set ALLOT_RESTORE_DIR to a data directory to restore")
	}
	start := time.Now()
	e, err := Open(Options{Dir: dir, Fsync: persistence.FsyncOS, NoFinalSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	rec := e.Recovery()
	t.Logf("restore %v, replay %v (%d records), open in all %v",
		rec.RestoreDuration, rec.ReplayDuration, rec.Replayed, took)
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
