package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// depositUser is who the deposits of these tests go to.
const depositUser domain.UserID = 4242

// depositData fills dir with 300 one-TON deposits over small journal
// segments, a snapshot taken after the first 150, and no final snapshot.
func depositData(t *testing.T, dir string) (snapSeq uint64) {
	t.Helper()
	ctx := context.Background()
	e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, NoFinalSnapshot: true, SegmentSize: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	deposit := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := e.Deposit(ctx, domain.Payment{Tx: domain.TxID{Account: "w", LT: uint64(i + 1), Hash: fmt.Sprint(i)},
				Amount: domain.TON(1), User: depositUser}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deposit(0, 150)
	info, err := e.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deposit(150, 300)
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return info.Seq
}

// balanceAfterStart opens dir as `allot run` would and returns the
// deposited balance.
func balanceAfterStart(t *testing.T, dir string) domain.Nano {
	t.Helper()
	ctx := context.Background()
	e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, NoFinalSnapshot: true})
	if err != nil {
		t.Fatalf("start after the repair: %v", err)
	}
	defer e.Close(ctx)
	w, err := e.Wallet(ctx, depositUser)
	if err != nil {
		t.Fatal(err)
	}
	return w.Balance
}

// segmentWith returns a segment of the journal whose records all lie in
// (lo, hi] and whose file has at least spare bytes past its data (how
// full a segment ends depends on how the records were batched).
func segmentWith(t *testing.T, jdir string, lo, hi uint64, spare int64) persistence.SegmentInfo {
	t.Helper()
	info, err := persistence.VerifyJournal(jdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Segments {
		st, err := os.Stat(s.Path)
		if err == nil && s.Records > 2 && s.FirstSeq > lo && s.LastSeq <= hi && st.Size() >= s.Bytes+spare {
			return s
		}
	}
	t.Fatalf("no segment within %d..%d among %+v", lo+1, hi, info.Segments)
	return persistence.SegmentInfo{}
}

func flipAt(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x40
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestRepair_DamageBeforeSnapshotKeepsEveryDeposit is the case: a
// flipped byte among the records the snapshot holds made the repair set
// the whole journal aside, and the engine came back with half the
// deposits. The snapshot makes those records unnecessary: all 300 stay.
// The dry run before it says so and changes nothing.
func TestRepair_DamageBeforeSnapshotKeepsEveryDeposit(t *testing.T) {
	dir := t.TempDir()
	snapSeq := depositData(t, dir)
	jdir := filepath.Join(dir, "journal")
	seg := segmentWith(t, jdir, 0, snapSeq, 0)
	flipAt(t, seg.Path, (32+seg.Bytes)/2)
	if _, err := actors.Open(actors.Options{Dir: dir}); err == nil {
		t.Fatal("the engine started on a damaged journal")
	}

	before := treeDigest(t, dir)
	var out bytes.Buffer
	if err := repair(dir, true, &out); err != nil {
		t.Fatal(err)
	}
	if code := quietly(t, func() int { return dispatch([]string{"snapshot", "repair", "--dry-run", dir}, os.Stdout, os.Stderr) }); code != 0 {
		t.Fatalf("allot snapshot repair --dry-run: exit status %d", code)
	}
	if after := treeDigest(t, dir); after != before {
		t.Fatalf("the dry run changed the data directory:\n%s\n---\n%s", before, after)
	}
	for _, want := range []string{"would set aside", filepath.Base(seg.Path), "in the snapshot",
		"lost: no record after the snapshot", "nothing was changed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run's report lacks %q:\n%s", want, out.String())
		}
	}

	if code := runSnapshotQuiet(t, "repair", dir); code != 0 {
		t.Fatalf("repair exit status %d", code)
	}
	if got := balanceAfterStart(t, dir); got != domain.TON(300) {
		t.Fatalf("balance after the repair %v, want all 300 deposits", got)
	}
}

// TestRepair_DamageAfterSnapshotKeepsLaterSegments: a stray byte in the
// unused end of a segment after the snapshot breaks no record's sequence,
// so the segments after it stay, and every deposit with them.
func TestRepair_DamageAfterSnapshotKeepsLaterSegments(t *testing.T) {
	dir := t.TempDir()
	snapSeq := depositData(t, dir)
	jdir := filepath.Join(dir, "journal")
	info, err := persistence.VerifyJournal(jdir)
	if err != nil {
		t.Fatal(err)
	}
	seg := segmentWith(t, jdir, snapSeq, info.LastSeq-1, 4)
	if seg.LastSeq == info.LastSeq {
		t.Fatal("the damaged segment must not be the last")
	}
	flipAt(t, seg.Path, seg.Bytes+3)
	var out bytes.Buffer
	if err := repair(dir, false, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "lost: no record after the snapshot") {
		t.Errorf("report:\n%s", out.String())
	}
	if got := balanceAfterStart(t, dir); got != domain.TON(300) {
		t.Fatalf("balance after the repair %v, want all 300 deposits", got)
	}
}

// treeDigest lists every file under dir with a hash of its bytes.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		fmt.Fprintf(&b, "%s %x\n", p, sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// quietly runs f with stdout and stderr sent nowhere.
func quietly(t *testing.T, f func() int) int {
	t.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = devnull, devnull
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	return f()
}

// TestDispatch_DryRunIsRepairs: --dry-run belongs to repair; the other
// subcommands refuse it, and it does not count as the directory.
func TestDispatch_DryRunIsRepairs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		wCode int
	}{
		{"inspect", []string{"snapshot", "inspect", "--dry-run", dir}, 2},
		{"repair with two directories", []string{"snapshot", "repair", "--dry-run", dir, dir}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := dispatchOut(t, tt.args...); code != tt.wCode {
				t.Errorf("exit status %d, want %d", code, tt.wCode)
			}
		})
	}
	if rest, dry := splitDryRun([]string{"repair", "--dry-run", dir}); !dry || len(rest) != 2 || rest[1] != dir {
		t.Errorf("splitDryRun = %q, %v", rest, dry)
	}
}
