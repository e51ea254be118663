package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"

	"allot/actors"
	"allot/persistence"
)

// runBackup is `allot backup --to FILE [--data DIR]`.
func runBackup(args []string) int {
	fl := flag.NewFlagSet("allot backup", flag.ContinueOnError)
	to := fl.String("to", "", "the archive to write: FILE.tar.gz (gzip) or FILE.tar (no compression)")
	data := fl.String("data", "", "the data directory (default: DATA_DIR, else ./data)")
	if err := fl.Parse(args); err != nil || *to == "" || fl.NArg() > 0 {
		fmt.Fprint(os.Stderr, "usage: allot backup --to FILE [--data DIR]\n")
		return 2
	}
	dir, err := fileState(*data)
	if err == nil {
		_, err = backup(dir, *to, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "allot backup:", err)
		return 1
	}
	return 0
}

// runRestore is `allot restore --from FILE [--identity KEYFILE] [--data DIR] [--force]`.
func runRestore(args []string) int {
	fl := flag.NewFlagSet("allot restore", flag.ContinueOnError)
	from := fl.String("from", "", "the archive to restore (FILE.age: encrypted by the scheduled backups)")
	identity := fl.String("identity", "", "the age identity file (age-keygen's output) that decrypts an encrypted archive")
	data := fl.String("data", "", "the data directory to restore into (default: DATA_DIR, else ./data)")
	force := fl.Bool("force", false, "move a non-empty data directory aside to DIR.before-restore-TIME first")
	if err := fl.Parse(args); err != nil || *from == "" || fl.NArg() > 0 {
		fmt.Fprint(os.Stderr, "usage: allot restore --from FILE [--identity KEYFILE] [--data DIR] [--force]\n")
		return 2
	}
	dir, err := fileState(*data)
	if err == nil {
		var plain string
		var cleanup func()
		if plain, cleanup, err = decrypted(*from, *identity); err == nil {
			defer cleanup()
			_, err = restore(plain, dir, *force, os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "allot restore:", err)
		return 1
	}
	return 0
}

// fileState is dataDir for the commands that work on a data directory's
// files, refused when DATABASE_URL keeps the state in PostgreSQL and no
// --data names a directory explicitly.
func fileState(flagValue string) (string, error) {
	if flagValue == "" {
		url, err := envDatabaseURL()
		if err != nil {
			return "", err
		}
		if url != "" {
			return "", errors.New(pgBackupAdvice + "; --data names a data directory to work on anyway")
		}
	}
	return dataDir(flagValue)
}

// dataDir is flag's value, else DATA_DIR from the environment or .env
// (as `allot run` reads it), else ./data.
func dataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	getenv, err := envWithDotenv(".env")
	if err != nil {
		return "", err
	}
	if v := getenv("DATA_DIR"); v != "" {
		return v, nil
	}
	return "./data", nil
}

// backup writes an archive of dir's newest snapshot and the journal after
// it to file, atomically, while `allot run` may be using dir: it takes no
// lock and writes nothing in dir. It prints what it archived to out.
func backup(dir, file string, out io.Writer) (persistence.ArchiveManifest, error) {
	var m persistence.ArchiveManifest
	if inside(file, dir) {
		return m, fmt.Errorf("%s is inside the data directory %s: write the archive elsewhere", file, dir)
	}
	jdir := filepath.Join(dir, "journal")
	if _, err := os.Stat(jdir); err != nil {
		return m, fmt.Errorf("%s holds no journal: %w", dir, err)
	}
	opts := persistence.BackupOptions{JournalDir: jdir, SnapshotDir: filepath.Join(dir, "snapshots"),
		Version: releaseVersion(), Compress: !strings.HasSuffix(file, ".tar"), SnapshotTop: actors.SnapshotTop,
		Skipped: func(path string, err error) {
			fmt.Fprintf(out, "skipped the damaged snapshot %s: %v\n", path, err)
		}}
	err := persistence.WriteFileAtomic(file, 0o600, func(w io.Writer) error {
		var err error
		m, err = persistence.WriteBackup(w, opts)
		return err
	})
	if err != nil {
		return m, err
	}
	size := int64(0)
	if st, err := os.Stat(file); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(out, "backup of %s written to %s (%d bytes)\n", dir, file, size)
	printManifest(out, m)
	return m, nil
}

// inside reports whether path is dir or lies under it.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func printManifest(out io.Writer, m persistence.ArchiveManifest) {
	fmt.Fprintf(out, "format %s v%d, made %s by allot %s\n", m.Format, m.Version,
		m.Created.UTC().Format("2006-01-02 15:04:05 UTC"), m.AllotVersion)
	from := "no snapshot, the journal from seq 1"
	for _, x := range m.Members {
		seqs := fmt.Sprintf("seq %d..%d", x.FirstSeq, x.LastSeq)
		switch {
		case x.IsSnapshot():
			seqs = fmt.Sprintf("seq %d", x.FirstSeq)
			from = fmt.Sprintf("snapshot seq %d + %d journal records", m.SnapshotSeq, m.JournalSeq-m.SnapshotSeq)
		case x.LastSeq < x.FirstSeq:
			seqs = fmt.Sprintf("seq %d.. (no records)", x.FirstSeq)
		}
		fmt.Fprintf(out, "  %-34s %-24s %10d bytes  sha256 %.16s…\n", x.Name, seqs, x.Size, x.SHA256)
	}
	fmt.Fprintf(out, "restores to journal seq %d (%s)\n", m.JournalSeq, from)
}

// readArchive opens and checks an archive (see persistence.ReadBackup).
func readArchive(path string, fn func(persistence.ArchiveMember, []byte) error) (persistence.ArchiveManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return persistence.ArchiveManifest{}, err
	}
	defer f.Close()
	return persistence.ReadBackup(f, path, fn)
}

// verifyArchive is `allot snapshot verify FILE` for a backup archive:
// every checksum and CRC, the records running without a gap from the
// snapshot to the manifest's sequence, and the snapshot's entities not
// running past it.
func verifyArchive(path string, out io.Writer) error {
	var top uint64
	m, err := readArchive(path, func(x persistence.ArchiveMember, data []byte) error {
		if !x.IsSnapshot() {
			return nil
		}
		_, payload, err := persistence.CheckSnapshot(path+":"+x.Name, data)
		if err == nil {
			top, err = actors.SnapshotTop(payload)
		}
		if err != nil {
			return fmt.Errorf("%s:%s: %w", path, x.Name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "archive %s\n", path)
	printManifest(out, m)
	if top > m.JournalSeq {
		return fmt.Errorf("%s: the snapshot's entities hold records up to seq %d, past the journal's end at %d",
			path, top, m.JournalSeq)
	}
	fmt.Fprintln(out, "\nverify: every checksum and CRC checked, the records run without a gap: all good")
	return nil
}

// restore unpacks an archive into dir, after checking all of it, and opens
// the engine on the result to prove that it recovers. A non-empty dir is
// refused unless force, which moves it aside first (nothing is deleted).
func restore(archive, dir string, force bool, out io.Writer) (persistence.ArchiveManifest, error) {
	var m persistence.ArchiveManifest
	used, err := checkTarget(dir, force)
	if err != nil {
		return m, err
	}
	if m, err = readArchive(archive, nil); err != nil {
		return m, err
	}
	fmt.Fprintf(out, "archive %s checked: %d members, restores to journal seq %d\n", archive, len(m.Members), m.JournalSeq)
	if used {
		aside := fmt.Sprintf("%s.before-restore-%s", filepath.Clean(dir), time.Now().UTC().Format("20060102T150405Z"))
		if err := os.Rename(dir, aside); err != nil {
			return m, fmt.Errorf("move the old data aside: %w", err)
		}
		fmt.Fprintf(out, "moved the old contents of %s to %s (nothing was deleted)\n", dir, aside)
	}
	if err := unpack(archive, dir, m); err != nil {
		return m, err
	}
	fmt.Fprintf(out, "unpacked into %s\n", dir)
	return m, prove(dir, m, out)
}

// checkTarget says whether dir holds anything (then it must be moved aside
// with force) and refuses a directory a running engine has locked.
func checkTarget(dir string, force bool) (used bool, err error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(ents) == 0 {
		return false, nil
	}
	if !force {
		return true, fmt.Errorf("%s is not empty (it holds %s): restore into a new or empty directory, "+
			"or pass --force to move its contents aside to %s.before-restore-TIME", dir, names(ents), filepath.Clean(dir))
	}
	if locked(filepath.Join(dir, "journal", "LOCK")) {
		return true, fmt.Errorf("%s is in use by a running allot (its journal is locked): stop it first", dir)
	}
	return true, nil
}

func names(ents []os.DirEntry) string {
	var s []string
	for i, e := range ents {
		if i == 3 {
			s = append(s, fmt.Sprintf("and %d more", len(ents)-3))
			break
		}
		s = append(s, e.Name())
	}
	return strings.Join(s, ", ")
}

// locked reports a LOCK file another process holds. Taking the lock and
// dropping it at once changes nothing on disk.
func locked(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB), syscall.EWOULDBLOCK)
}

// unpack writes the members into a staging directory inside dir, checking
// them all again as they are read, then moves journal/ and snapshots/
// into place: a failure leaves dir as it was.
func unpack(archive, dir string, want persistence.ArchiveManifest) (err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(dir, ".restore-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(stage) }()
	for _, sub := range []string{"journal", "snapshots"} {
		if err := os.Mkdir(filepath.Join(stage, sub), 0o750); err != nil {
			return err
		}
	}
	m, err := readArchive(archive, func(x persistence.ArchiveMember, data []byte) error {
		return writeSynced(filepath.Join(stage, filepath.FromSlash(x.Name)), data)
	})
	if err != nil {
		return err
	}
	if m.JournalSeq != want.JournalSeq || len(m.Members) != len(want.Members) {
		return fmt.Errorf("%s changed while it was being restored", archive)
	}
	for _, sub := range []string{"journal", "snapshots"} {
		if err := persistence.SyncDir(filepath.Join(stage, sub)); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(stage, sub), filepath.Join(dir, sub)); err != nil {
			return err
		}
	}
	return persistence.SyncDir(dir)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// prove opens the engine on a restored directory, as `allot run` would,
// checks its invariants and closes it without a snapshot. The engine
// finishes operations the backup caught half-way (a purchase paid for but
// not yet confirmed), as after any crash; those records follow the
// archive's sequence.
func prove(dir string, m persistence.ArchiveManifest, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := actors.Open(actors.Options{Dir: dir, ManualClock: true, NoFinalSnapshot: true, Logger: log})
	if err != nil {
		return fmt.Errorf("the restored directory %s does not open: %w", dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec := e.Recovery()
	err = e.Drain(ctx)
	t, checkErr := e.Check()
	if err = errors.Join(err, checkErr, e.Close(ctx)); err != nil {
		return fmt.Errorf("the restored directory %s: %w", dir, err)
	}
	if rec.LastSeq != m.JournalSeq {
		return fmt.Errorf("the restored directory %s recovered to seq %d, the archive says %d", dir, rec.LastSeq, m.JournalSeq)
	}
	fmt.Fprintf(out, "the engine recovers it: snapshot seq %d, %d records replayed, state at journal seq %d\n",
		rec.SnapshotSeq, rec.Replayed, rec.LastSeq)
	fmt.Fprintf(out, "  %d numbers (%d rented), %d wallets holding %s, %d payments applied\n",
		t.Numbers, t.Rented, t.Wallets, t.Balances, t.Applied)
	if j, err := persistence.VerifyJournal(filepath.Join(dir, "journal")); err == nil && j.LastSeq > rec.LastSeq {
		fmt.Fprintf(out, "  finishing operations the backup caught half-way, it wrote %d more journal record(s) (now up to seq %d)\n",
			j.LastSeq-rec.LastSeq, j.LastSeq)
	}
	fmt.Fprintf(out, "start it with DATA_DIR=%s\n", dir)
	return nil
}

// decrypted returns the path of archive in plain form: archive itself when
// it is not encrypted, else a temporary file decrypted with the age
// identities in identityFile (removed by cleanup).
func decrypted(archive, identityFile string) (string, func(), error) {
	if !strings.HasSuffix(archive, ".age") {
		if identityFile != "" {
			return "", nil, fmt.Errorf("%s is not encrypted (no .age): --identity is not needed", archive)
		}
		return archive, func() {}, nil
	}
	if identityFile == "" {
		return "", nil, fmt.Errorf("%s is encrypted: give the age identity file with --identity", archive)
	}
	kf, err := os.Open(identityFile)
	if err != nil {
		return "", nil, err
	}
	defer kf.Close()
	ids, err := age.ParseIdentities(kf)
	if err != nil {
		return "", nil, fmt.Errorf("--identity %s: %w", identityFile, err)
	}
	in, err := os.Open(archive)
	if err != nil {
		return "", nil, err
	}
	defer in.Close()
	r, err := age.Decrypt(in, ids...)
	if err != nil {
		return "", nil, fmt.Errorf("decrypt %s: %w", archive, err)
	}
	tmp, err := os.CreateTemp("", "allot-restore-*"+strings.TrimSuffix(filepath.Base(archive), ".age"))
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("decrypt %s: %w", archive, err)
	}
	return tmp.Name(), cleanup, nil
}
