package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"allot/actors"
	"allot/persistence"
)

// splitDryRun takes --dry-run out of `allot snapshot repair`'s arguments;
// the other subcommands keep it, and refuse it as an unknown flag.
func splitDryRun(args []string) (rest []string, dryRun bool) {
	if len(args) == 0 || args[0] != "repair" {
		return args, false
	}
	rest = slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--dry-run" || a == "-dry-run" })
	return rest, len(rest) < len(args)
}

// repair is `allot snapshot repair [--dry-run]`: it keeps every journal
// record it can prove, given the snapshot recovery will start from, sets
// the rest aside as .broken files, and prints exactly what; with dryRun it
// prints what it would do and changes nothing.
func repair(dir string, dryRun bool, out io.Writer) error {
	jdir := filepath.Join(dir, "journal")
	snap, payload, top, ok, err := newestValidSnapshot(dir)
	if err != nil {
		return err
	}
	opts := persistence.RepairOptions{DryRun: dryRun}
	if ok {
		opts.SnapshotSeq = snap.Seq
	}
	rep, err := persistence.RepairJournal(jdir, opts)
	if err != nil {
		return err
	}
	printRepair(out, rep, snap, ok, dryRun)
	if dryRun {
		if ok && top > rep.LastSeq {
			fmt.Fprintf(out, "it would then move the journal aside and start a new one at record %d "+
				"(the snapshot's entities hold records up to %d)\n", top+1, top)
		}
		fmt.Fprintln(out, "dry run: nothing was changed")
		return nil
	}
	return realign(out, dir, jdir, rep, snap, payload, top, ok)
}

// printRepair tells the operator what the repair set aside (or would):
// files, offsets, records, and what is lost.
func printRepair(out io.Writer, rep persistence.RepairReport, snap persistence.SnapshotInfo, ok, dryRun bool) {
	if len(rep.SetAside) == 0 {
		fmt.Fprintln(out, "journal: sound, nothing to set aside")
		return
	}
	verb, wrote := "set aside", "written afresh"
	if dryRun {
		verb, wrote = "would set aside", "would write afresh"
	}
	if ok {
		fmt.Fprintf(out, "the newest valid snapshot, %s, holds records up to %d: damage among those costs nothing\n",
			filepath.Base(snap.Path), snap.Seq)
	} else {
		fmt.Fprintln(out, "no valid snapshot: every record from the journal's start is needed")
	}
	fmt.Fprintf(out, "%s (the .broken file holds the whole original):\n", verb)
	for _, s := range rep.SetAside {
		recs := "no valid record"
		if s.Records > 0 {
			recs = fmt.Sprintf("records %d..%d (%d)", s.FirstSeq, s.LastSeq, s.Records)
		}
		fmt.Fprintf(out, "  %s bytes %d..%d → %s: %s; %s\n", filepath.Base(s.File), s.Offset, s.Offset+s.Bytes,
			filepath.Base(s.To), recs, s.Reason)
	}
	for _, s := range rep.Rewritten {
		fmt.Fprintf(out, "%s: %s with records %d..%d (%d)\n", wrote, filepath.Base(s.Path), s.FirstSeq, s.LastSeq, s.Records)
	}
	fmt.Fprintf(out, "the journal holds records %d..%d\n", rep.FirstSeq, rep.LastSeq)
	switch {
	case rep.Lost() > 0:
		fmt.Fprintf(out, "lost: records %d..%d (%d; %d of them intact but after a missing one, kept in the .broken files)\n",
			rep.LostFirst, rep.LostLast, rep.Lost(), rep.IntactLost)
	case rep.AcknowledgedLoss():
		fmt.Fprintf(out, "lost: the records from %d on in the damaged bytes (how many cannot be told); "+
			"they may have been acknowledged\n", rep.LastSeq+1)
	default:
		fmt.Fprintln(out, "lost: no record after the snapshot")
	}
}

// realign handles a journal that ends before what the newest valid
// snapshot holds (after a repair cut it short): every record it still
// holds is in the snapshot, so it is moved aside and a new journal starts
// right after the snapshot, and the engine can start from the snapshot.
// The repair's note of losses moves to the new journal, for the start.
func realign(out io.Writer, dir, jdir string, rep persistence.RepairReport, snap persistence.SnapshotInfo,
	payload []byte, top uint64, ok bool) error {
	j, err := persistence.VerifyJournal(jdir)
	if err != nil {
		return err
	}
	if !ok || top <= j.LastSeq {
		if j.Records > 0 || ok {
			fmt.Fprintln(out, "journal and snapshots line up: the engine can start")
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
	if err := errors.Join(nj.Close(), persistence.NoteLosses(jdir, rep.Losses())); err != nil {
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
	fmt.Fprintf(out, "the journal ended at record %d, before the snapshot %s (holding records up to %d), which has all of it:\n"+
		"moved it to %s and started a new journal at record %d\n", j.LastSeq, filepath.Base(snap.Path), top, aside, top+1)
	return nil
}

// newestValidSnapshot finds the snapshot recovery will use (the newest
// that passes every check) and the highest record its entities hold (a
// fuzzy snapshot's entities run past its seq).
func newestValidSnapshot(dir string) (info persistence.SnapshotInfo, payload []byte, top uint64, ok bool, err error) {
	files, err := persistence.SnapshotFiles(filepath.Join(dir, "snapshots"))
	if errors.Is(err, fs.ErrNotExist) {
		return info, nil, 0, false, nil
	}
	if err != nil {
		return info, nil, 0, false, err
	}
	for _, f := range files { // newest first
		info, payload, err := persistence.ReadSnapshot(f.Path)
		if err != nil || info.Seq != f.Seq {
			continue
		}
		top, err := actors.SnapshotTop(payload)
		if err != nil {
			return info, nil, 0, false, fmt.Errorf("%s: %w", f.Path, err)
		}
		return info, payload, max(top, info.Seq), true, nil
	}
	return persistence.SnapshotInfo{}, nil, 0, false, nil
}
