package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// A backup taken while several goroutines change the state restores, in
// a new directory, to exactly the state the original directory held at
// the archive's sequence.
func TestBackup_DuringLoadRestoresTheStateAtItsSeq(t *testing.T) {
	a := t.TempDir()
	e, err := actors.Open(actors.Options{Dir: a, Fsync: persistence.FsyncOS, SegmentSize: 8 << 10,
		ManualClock: true, NoFinalSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	l := startLoad(t, e, 6, 24)
	l.waitOps(t, 150)
	if _, err := e.Snapshot(context.Background()); err != nil { // fuzzy: the load goes on meanwhile
		t.Fatal(err)
	}
	l.waitOps(t, 300)
	file := filepath.Join(t.TempDir(), "allot.tar.gz")
	var out bytes.Buffer
	m, err := backup(a, file, &out)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	l.waitOps(t, l.ops.Load()+150) // and after it
	l.stop(t)
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("backup during load:\n%s", out.String())
	checkArchivedDuringLoad(t, a, m)

	b := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	if _, err := restore(file, b, false, &out); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	t.Logf("restore:\n%s", out.String())
	got, err := actors.StateAt(b, m.JournalSeq)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: A's own journal replayed from its first record up to
	// the archive's sequence, without the snapshot the archive carries.
	ref := copyOf(t, a)
	if err := os.RemoveAll(filepath.Join(ref, "snapshots")); err != nil {
		t.Fatal(err)
	}
	want, err := actors.StateAt(ref, m.JournalSeq)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("restored state differs from the original's at seq %d:\n%s", m.JournalSeq, firstDiff(got, want))
	}
	checkRestoredTakesWork(t, b, m.JournalSeq)
}

// checkArchivedDuringLoad makes sure the test tested something: a fuzzy
// snapshot, several segments, records on both sides of the backup.
func checkArchivedDuringLoad(t *testing.T, dir string, m persistence.ArchiveManifest) {
	t.Helper()
	j, err := persistence.VerifyJournal(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	segs := 0
	for _, x := range m.Members {
		if !x.IsSnapshot() {
			segs++
		}
	}
	if m.SnapshotSeq == 0 || m.JournalSeq <= m.SnapshotSeq || segs < 2 || j.LastSeq <= m.JournalSeq {
		t.Fatalf("snapshot seq %d, journal seq %d in %d segments, A ends at %d: want a snapshot, "+
			"records after it in several segments, and records after the backup", m.SnapshotSeq, m.JournalSeq, segs, j.LastSeq)
	}
}

// checkRestoredTakesWork opens the restored directory as `allot run`
// would, checks the invariants, and makes a change that survives a
// restart.
func checkRestoredTakesWork(t *testing.T, dir string, seq uint64) {
	t.Helper()
	ctx := context.Background()
	open := func() *actors.Engine {
		e, err := actors.Open(actors.Options{Dir: dir, Fsync: persistence.FsyncOS, ManualClock: true})
		if err != nil {
			t.Fatalf("open the restored directory: %v", err)
		}
		return e
	}
	e := open()
	if rec := e.Recovery(); rec.LastSeq < seq || rec.SnapshotSeq == 0 {
		t.Errorf("recovery %+v: want the archive's snapshot and at least seq %d", rec, seq)
	}
	if _, err := e.Check(); err != nil {
		t.Errorf("invariants after restore: %v", err)
	}
	pay := domain.Payment{Tx: domain.TxID{Account: "after-restore", LT: 1, Hash: "r"}, Amount: domain.TON(3), User: loadUser(0)}
	if _, err := e.Deposit(ctx, pay); err != nil {
		t.Fatal(err)
	}
	before, _ := e.Wallet(ctx, loadUser(0))
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e = open()
	defer e.Close(ctx)
	after, err := e.Wallet(ctx, loadUser(0))
	if err != nil || after.Balance != before.Balance {
		t.Fatalf("after a restart the balance is %v (%v), want %v", after.Balance, err, before.Balance)
	}
}

func TestRestore_RefusesNonEmptyDirUnlessForced(t *testing.T) {
	file := smallArchive(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := runQuiet(t, "restore", "--from", file, "--data", dir)
	if code != 1 || !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "--force") {
		t.Fatalf("restore into a non-empty dir: exit %d, %q; want 1 and a word about --force", code, stderr)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "keep.txt" {
		t.Fatalf("the refused restore changed the directory: %v", names)
	}
	if code, stderr := runQuiet(t, "restore", "--from", file, "--data", dir, "--force"); code != 0 {
		t.Fatalf("restore --force: exit %d: %s", code, stderr)
	}
	if names := dirNames(t, dir); strings.Join(names, ",") != "journal,snapshots" {
		t.Errorf("restored directory holds %v, want journal and snapshots", names)
	}
	aside, _ := filepath.Glob(dir + ".before-restore-*")
	if len(aside) != 1 {
		t.Fatalf("found %v, want the old contents moved aside once", aside)
	}
	if b, err := os.ReadFile(filepath.Join(aside[0], "keep.txt")); err != nil || string(b) != "mine" {
		t.Errorf("old contents aside: %q, %v", b, err)
	}
}

func TestRestore_FlippedByteIsAClearError(t *testing.T) {
	file := smallArchive(t)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{len(b) / 3, len(b) / 2, len(b) - 5} {
		bad := bytes.Clone(b)
		bad[at] ^= 0x01
		path := filepath.Join(t.TempDir(), "bad.tar.gz")
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "data")
		code, stderr := runQuiet(t, "restore", "--from", path, "--data", dir)
		if code != 1 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "corrupt") {
			t.Errorf("byte %d flipped: exit %d, %q; want 1 and an error naming the archive", at, code, stderr)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("byte %d flipped: the restore created %s", at, dir)
		}
	}
}

func TestSnapshotVerify_Archive(t *testing.T) {
	for _, name := range []string{"a.tar.gz", "a.tar"} {
		file := smallArchiveNamed(t, name)
		if code, stderr := runQuiet(t, "snapshot", "verify", file); code != 0 {
			t.Fatalf("verify a good archive %s: exit %d: %s", name, code, stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x01
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, stderr := runQuiet(t, "snapshot", "verify", file); code != 1 || !strings.Contains(stderr, file) {
			t.Errorf("verify a damaged archive %s: exit %d, %q; want 1 naming it", name, code, stderr)
		}
	}
}

func TestBackup_Usage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"backup"}, {"restore"}, {"backup", "--to"}} {
		if code, _ := runQuiet(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, stderr := runQuiet(t, "backup", "--to", filepath.Join(dir, "x.tar.gz"), "--data", dir); code != 1 ||
		!strings.Contains(stderr, "inside the data directory") {
		t.Errorf("backup into the data dir: exit %d, %q", code, stderr)
	}
	if code, stderr := runQuiet(t, "backup", "--to", filepath.Join(t.TempDir(), "x.tar.gz"), "--data", dir); code != 1 ||
		!strings.Contains(stderr, "no journal") {
		t.Errorf("backup of a dir without a journal: exit %d, %q", code, stderr)
	}
}

// smallArchive backs up a small, closed data directory.
func smallArchive(t *testing.T) string { return smallArchiveNamed(t, "small.tar.gz") }

func smallArchiveNamed(t *testing.T, name string) string {
	t.Helper()
	dir := smallDataDir(t)
	file := filepath.Join(t.TempDir(), name)
	if code, stderr := runQuiet(t, "backup", "--to", file, "--data", dir); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr)
	}
	return file
}

// load drives deposits, rents and renewals from several goroutines.
type load struct {
	e    *actors.Engine
	ops  atomic.Int64
	done chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
}

func loadUser(i int) domain.UserID { return domain.UserID(7_000_001 + i) }
func loadNumber(i int) string      { return fmt.Sprintf("+888%08d", 500+i) }

func startLoad(t *testing.T, e *actors.Engine, users, numbers int) *load {
	t.Helper()
	ctx := context.Background()
	for i := range numbers {
		if _, err := e.AddNumber(ctx, 0, loadNumber(i)); err != nil && !errors.Is(err, domain.ErrNumberExists) {
			t.Fatal(err)
		}
	}
	l := &load{e: e, done: make(chan struct{})}
	for w := range users {
		l.wg.Add(1)
		go l.run(w, numbers)
	}
	return l
}

func (l *load) run(w, numbers int) {
	defer l.wg.Done()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(uint64(w), 1))
	u := loadUser(w)
	for i := 0; ; i++ {
		select {
		case <-l.done:
			return
		default:
		}
		var err error
		op := domain.OpID(fmt.Sprintf("load-%d-%d", w, i))
		switch n := loadNumber(r.IntN(numbers)); r.IntN(3) {
		case 0:
			pay := domain.Payment{Tx: domain.TxID{Account: "load", LT: uint64(i), Hash: fmt.Sprint(w)}, Amount: domain.TON(40), User: u}
			_, err = l.e.Deposit(ctx, pay)
		case 1:
			_, err = l.e.RentFromBalance(ctx, op, u, n, 30)
		default:
			_, err = l.e.RenewFromBalance(ctx, op, u, n, 30)
		}
		if err != nil && !refusal(err) {
			l.mu.Lock()
			l.err = errors.Join(l.err, err)
			l.mu.Unlock()
			return
		}
		l.ops.Add(1)
	}
}

// refusal tells the domain's answers in normal use from failures.
func refusal(err error) bool {
	for _, r := range []error{domain.ErrNotAvailable, domain.ErrNotRenter, domain.ErrNotRented, domain.ErrBlocked,
		domain.ErrInsufficientFunds, domain.ErrTransferPending, domain.ErrPriceChanged, domain.ErrDuplicateOp,
		domain.ErrDuplicateTx, domain.ErrNumberNotFound} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

func (l *load) waitOps(t *testing.T, n int64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); l.ops.Load() < n; {
		if time.Now().After(deadline) {
			l.stop(t)
			t.Fatalf("the load made %d operations, want %d", l.ops.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (l *load) stop(t *testing.T) {
	t.Helper()
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	l.wg.Wait()
	if l.err != nil {
		t.Fatalf("load: %v", l.err)
	}
	if err := l.e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// runQuiet runs the command with its output captured; it returns the exit
// code and what went to stderr.
func runQuiet(t *testing.T, args ...string) (int, string) {
	t.Helper()
	outFile, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer outFile.Close()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = outFile, outFile
	code := run(args)
	os.Stdout, os.Stderr = stdout, stderr
	b, _ := os.ReadFile(outFile.Name())
	return code, string(b)
}

func copyOf(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	copyTree(t, src, dst)
	return dst
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n  restored: %s\n  original: %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("restored %d lines, original %d", len(g), len(w))
}
