package actors

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"allot/domain"
	"allot/persistence"
)

var update = flag.Bool("update", false, "rewrite the golden v1 data directory in ../testdata/engine/v1")

// updateState rewrites only state.json from the v1 data as this build
// restores it: for a field added to a state type, whose zero value now
// shows in the JSON. The data itself is never rewritten by it; review the
// diff, which must show nothing but the new field.
var updateState = flag.Bool("update-state", false, "rewrite testdata/engine/v1/state.json from the v1 data")

const goldenDir = "../testdata/engine/v1"

// TestGolden_V1DataDirRestoresForever opens a data directory written by
// format v1 (a snapshot and journal records after it) and checks the state
// it restores to. This directory must decode for ever: a change that
// breaks this test breaks every operator's data.
func TestGolden_V1DataDirRestoresForever(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	dir := copyDir(t, filepath.Join(goldenDir, "data"))
	e := openTest(t, dir, newClock(), func(o *Options) { o.NoFinalSnapshot = true })
	if e.Recovery().SnapshotSeq == 0 || e.Recovery().Replayed == 0 {
		t.Fatalf("recovery %+v: the fixture must hold a snapshot and records after it", e.Recovery())
	}
	got := stateJSON(t, e)
	want, err := os.ReadFile(filepath.Join(goldenDir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if *updateState {
		if err := os.WriteFile(filepath.Join(goldenDir, "state.json"), got, 0o644); err != nil {
			t.Fatal(err)
		}
		want = got
	}
	if string(got) != string(want) {
		t.Errorf("restored state differs from %s/state.json:\n%s", goldenDir, got)
	}
}

func TestGolden_CorruptJournalIsAClearError(t *testing.T) {
	dir := copyDir(t, filepath.Join(goldenDir, "data"))
	segs, _ := filepath.Glob(filepath.Join(dir, "journal", "*.wal"))
	if len(segs) == 0 {
		t.Fatal("fixture has no journal segment")
	}
	b, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Flip a byte in the first record's payload; valid records follow it.
	b[len(b)/8] ^= 0xff
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{Dir: dir, Fsync: persistence.FsyncOS})
	var ce *persistence.CorruptError
	if !errors.Is(err, persistence.ErrCorrupt) || !errors.As(err, &ce) || ce.File == "" {
		t.Fatalf("Open = %v, want a CorruptError naming the file and offset", err)
	}
}

// writeGolden builds the fixture: a deterministic history, a snapshot in
// the middle, and more history after it left in the journal.
func writeGolden(t *testing.T) {
	t.Helper()
	root := filepath.Join(goldenDir, "data")
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	e := openTest(t, root, c, func(o *Options) { o.NoFinalSnapshot = true; o.SegmentSize = 4096 })
	ctx := ctxT(t)
	seed(t, e, domain.TON(100), num1, num2)
	mustOK(t, e.SetDefaultPrice(ctx, admin, 7, domain.TON(3)))
	_, err := e.RentFromBalance(ctx, "g-rent", alice, num1, 30)
	mustOK(t, err)
	_, err = e.SetNumberPrice(ctx, admin, num2, 30, domain.TON(12))
	mustOK(t, err)
	_, err = e.Snapshot(ctx)
	mustOK(t, err)
	c.Add(24 * time.Hour)
	_, err = e.RenewFromBalance(ctx, "g-renew", alice, num1, 60)
	mustOK(t, err)
	_, err = e.OfferTransfer(ctx, "g-offer", alice, num1, "@bob")
	mustOK(t, err)
	_, err = e.AcceptTransfer(ctx, bob, num1)
	mustOK(t, err)
	_, err = e.RentFromBalance(ctx, "g-rent2", alice, num2, 30)
	mustOK(t, err)
	_, err = e.Block(ctx, admin, num2, "abuse report")
	mustOK(t, err)
	_, err = e.AdjustBalance(ctx, "g-adj", admin, bob, domain.TON(5), "goodwill")
	mustOK(t, err)
	_, err = e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "EQorphan", LT: 9, Hash: "ff"}, Amount: domain.TON(2)})
	mustOK(t, err)
	mustCheck(t, e)
	mustOK(t, os.WriteFile(filepath.Join(goldenDir, "state.json"), stateJSON(t, e), 0o644))
	mustOK(t, e.Close(ctx))
}

func stateJSON(t testing.TB, e *Engine) []byte {
	t.Helper()
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for k := range e.dir.held() {
		e.dir.each(k, func(en *entry, _ bool) {
			if en.state != nil {
				out[k.String()+"/"+en.id] = en.state
			}
		})
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// copyDir copies a fixture tree into a temporary directory so that tests
// never change the committed files.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy fixture: %v", err)
	}
	return dst
}
