package persistence

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// RecoveryInfo reports what Recover did, for the startup log.
type RecoveryInfo struct {
	SnapshotSeq     uint64 // 0 when there was no snapshot
	SnapshotPath    string
	Replayed        int    // journal records applied after the snapshot
	LastSeq         uint64 // the journal's last sequence: the state now reflects it
	Duration        time.Duration
	RestoreDuration time.Duration // reading and restoring the snapshot
	ReplayDuration  time.Duration
	// Losses is what this start set aside or fell back from: a journal
	// tail the open set aside, a damaged snapshot passed over for an older
	// one, and what a repair since the last start set aside (NoteLosses).
	// Empty after a clean start: anything here is logged at Error, and the
	// service shows it to its operators.
	Losses []Loss
}

// Recover rebuilds the state: it restores the newest valid snapshot (if
// any; s may be nil for none) with restore, then calls apply for every
// journal record after the snapshot's sequence, in order. Call it after
// opening both and before any Append. It refuses, with ErrMissingRecords,
// to start from a state it knows is wrong: when the journal starts after
// the record following the snapshot (records compacted or lost in
// between; without a snapshot, when the journal does not start at 1), or
// when the snapshot is ahead of the journal's last record (journal records
// the snapshot reflects were lost). Errors from restore and apply are
// returned wrapped.
func Recover(j *Journal, s *SnapshotStore, restore func(seq uint64, payload []byte) error,
	apply func(seq uint64, payload []byte) error) (RecoveryInfo, error) {
	start := time.Now()
	var info RecoveryInfo
	noted := takeLossNote(j.opts.Dir)
	err := restoreNewest(s, restore, &info)
	info.Losses = slices.Concat(j.Losses(), s.fallbacks(), noted)
	logLosses(j.log, info.Losses)
	if err != nil {
		return info, err
	}
	info.RestoreDuration = time.Since(start)
	if err := checkJoin(j, info.SnapshotSeq); err != nil {
		return info, err
	}
	replayStart := time.Now()
	err = j.Replay(info.SnapshotSeq, func(seq uint64, payload []byte) error {
		info.Replayed++
		return apply(seq, payload)
	})
	if err != nil {
		return info, wrap(err, "recover")
	}
	if len(noted) > 0 { // told once: this start reports them
		if err := dropLossNote(j.opts.Dir); err != nil {
			j.log.Warn("persistence: the repair's note of losses stays; the next start reports them again", "err", err)
		}
	}
	info.LastSeq = j.LastSeq()
	info.ReplayDuration = time.Since(replayStart)
	info.Duration = time.Since(start)
	return info, nil
}

func restoreNewest(s *SnapshotStore, restore func(uint64, []byte) error, info *RecoveryInfo) error {
	if s == nil {
		return nil
	}
	snap, payload, err := s.LoadNewest()
	if errors.Is(err, ErrNoSnapshot) {
		return nil
	}
	if err != nil {
		return wrap(err, "recover")
	}
	if err := restore(snap.Seq, payload); err != nil {
		return wrap(err, "recover: restore snapshot "+snap.Path)
	}
	info.SnapshotSeq, info.SnapshotPath = snap.Seq, snap.Path
	return nil
}

// checkJoin makes sure the journal continues exactly where the snapshot
// ends: no record may be missing in between.
func checkJoin(j *Journal, snapSeq uint64) error {
	base, last := j.baseSeq(), j.LastSeq()
	if base > snapSeq+1 {
		what := fmt.Sprintf("the newest snapshot is at seq %d", snapSeq)
		if snapSeq == 0 {
			what = "there is no snapshot"
		}
		return fmt.Errorf("%w: the journal starts at seq %d but %s: records %d..%d are gone "+
			"(restore a snapshot at seq >= %d, or the missing journal segments)",
			ErrMissingRecords, base, what, snapSeq+1, base-1, base-1)
	}
	if snapSeq > last {
		return fmt.Errorf("%w: the snapshot at seq %d is ahead of the journal, which ends at seq %d: "+
			"journal records %d..%d were lost (to start from the snapshot alone, move the journal "+
			"directory aside and open a new one with FirstSeq %d)", ErrMissingRecords, snapSeq, last, last+1, snapSeq, snapSeq+1)
	}
	return nil
}

// logLosses says at Error what the start set aside or fell back from: the
// state may lack acknowledged changes, and an operator must look.
func logLosses(log *slog.Logger, losses []Loss) {
	for _, l := range losses {
		log.Error("persistence: recovered with loss", "what", l.What, "file", l.File, "offset", l.Offset,
			"bytes", l.Bytes, "acknowledged", l.Acknowledged)
	}
}
