package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"allot/actors"
	"allot/persistence"
)

// runSnapshot is `allot snapshot inspect|verify|repair [DIR]`; verify also
// takes a backup archive.
func runSnapshot(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	dir := os.Getenv("DATA_DIR")
	if len(args) > 1 {
		dir = args[1]
	}
	if dir == "" {
		dir = "./data"
	}
	var err error
	switch args[0] {
	case "inspect":
		err = inspect(dir, false)
	case "verify":
		if st, serr := os.Stat(dir); serr == nil && st.Mode().IsRegular() {
			err = verifyArchive(dir, os.Stdout) // a backup archive
		} else {
			err = inspect(dir, true)
		}
	case "repair":
		err = repair(dir)
	default:
		fmt.Fprintf(os.Stderr, "allot snapshot: unknown subcommand %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "allot snapshot:", err)
		return 1
	}
	return 0
}

// inspect prints the snapshots and journal segments of a data directory;
// with verify it reads every byte and fails on any bad CRC.
func inspect(dir string, verify bool) error {
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	var errs []error
	snaps, err := filepath.Glob(filepath.Join(dir, "snapshots", "*.snap"))
	if err != nil {
		return err
	}
	fmt.Printf("data directory %s\n\nsnapshots: %d\n", dir, len(snaps))
	for _, p := range snaps {
		info, err := persistence.VerifySnapshot(p)
		if err != nil {
			fmt.Printf("  %-28s BAD: %v\n", filepath.Base(p), err)
			errs = append(errs, err)
			continue
		}
		fmt.Printf("  %-28s seq %-10d %10d bytes  %s\n", filepath.Base(p), info.Seq, info.Size, info.Created.UTC().Format("2006-01-02 15:04:05"))
	}
	j, err := persistence.VerifyJournal(filepath.Join(dir, "journal"))
	if err != nil {
		errs = append(errs, fmt.Errorf("journal: %w (run `allot snapshot repair` after taking a copy of %s)", err, dir))
	}
	fmt.Printf("\njournal: %d segments, records %d..%d (%d records)\n", len(j.Segments), j.FirstSeq, j.LastSeq, j.Records)
	for _, s := range j.Segments {
		fmt.Printf("  %-28s seq %d..%d  %d records  %d bytes\n", filepath.Base(s.Path), s.FirstSeq, s.LastSeq, s.Records, s.Bytes)
	}
	if j.TornTailBytes > 0 {
		fmt.Printf("  torn tail: %d bytes (a write cut short by a crash; dropped on the next start)\n", j.TornTailBytes)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if verify {
		fmt.Println("\nverify: every CRC checked, all good")
	}
	return nil
}

func repair(dir string) error {
	jdir := filepath.Join(dir, "journal")
	dropped, err := persistence.RepairJournal(jdir)
	if err != nil {
		return err
	}
	if dropped > 0 {
		fmt.Printf("set aside %d bytes after the first bad record as .broken files; records after it are lost\n", dropped)
	}
	return realign(dir, jdir)
}

// realign handles a journal that ends before the newest valid snapshot
// (after a repair cut it short): every record it still holds is in the
// snapshot, so it is moved aside and a new journal starts right after the
// snapshot, and the engine can start from the snapshot.
func realign(dir, jdir string) error {
	j, err := persistence.VerifyJournal(jdir)
	if err != nil {
		return err
	}
	snap, payload, top, ok, err := newestValidSnapshot(dir)
	if err != nil {
		return err
	}
	if !ok || top <= j.LastSeq {
		if j.Records > 0 || ok {
			fmt.Println("journal and snapshots line up: the engine can start")
		}
		return nil
	}
	aside := fmt.Sprintf("%s.behind-%s", jdir, time.Now().UTC().Format("20060102T150405"))
	if err := os.Rename(jdir, aside); err != nil {
		return err
	}
	nj, err := persistence.OpenJournal(persistence.JournalOptions{Dir: jdir, FirstSeq: top + 1})
	if err != nil {
		return err
	}
	if err := nj.Close(); err != nil {
		return err
	}
	if top > snap.Seq {
		// Nothing at or below top is left to replay, so the snapshot may
		// say so: written again under top, it lines up with the new journal.
		store, err := persistence.OpenSnapshots(filepath.Join(dir, "snapshots"), 0, nil)
		if err != nil {
			return err
		}
		if _, err := store.Write(top, func(w io.Writer) error { _, err := w.Write(payload); return err }); err != nil {
			return err
		}
	}
	fmt.Printf("the journal ended at record %d, before the snapshot %s (holding records up to %d), which has all of it:\n"+
		"moved it to %s and started a new journal at record %d\n", j.LastSeq, filepath.Base(snap.Path), top, aside, top+1)
	return nil
}

// newestValidSnapshot finds the snapshot recovery will use and the highest
// record its entities hold (a fuzzy snapshot's entities run past its seq).
func newestValidSnapshot(dir string) (info persistence.SnapshotInfo, payload []byte, top uint64, ok bool, err error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*.snap"))
	for i := len(paths) - 1; i >= 0; i-- { // names sort by sequence
		info, payload, err := persistence.ReadSnapshot(paths[i])
		if err != nil {
			continue
		}
		top, err := actors.SnapshotTop(payload)
		if err != nil {
			return info, nil, 0, false, fmt.Errorf("%s: %w", paths[i], err)
		}
		return info, payload, max(top, info.Seq), true, nil
	}
	return persistence.SnapshotInfo{}, nil, 0, false, nil
}
