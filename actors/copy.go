package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// CopyReport is what CopyState copied and how it checked the copy.
type CopyReport struct {
	Seq      uint64         // the sequence the copy is a snapshot at
	Entities map[string]int // how many of each kind
	Totals   Totals         // counts, balances and ledgers, the same on both sides
	Bytes    int64          // the snapshot's size in the destination
	Took     time.Duration
}

// ErrNotEmpty is CopyState's refusal of a destination that already holds
// state: a copy never merges into, or overwrites, another service's data.
var ErrNotEmpty = errors.New("actors: the destination store already holds state")

// CopyState copies the whole state of src into dst, an empty store, as a
// snapshot at src's last sequence, then reads it back from dst and checks
// it: every entity's state is the same, field for field, and the totals
// (counts, balances per currency, ledgers, payments) are equal and pass
// Check. It starts no actor and changes nothing in src beyond what any
// start does (a torn last write set aside); run it with the bot stopped
// (the file store's lock refuses a running one). Nothing is appended to
// dst: the engine that opens it next continues after the snapshot.
func CopyState(ctx context.Context, src, dst Store) (CopyReport, error) {
	start := time.Now()
	var r CopyReport
	if err := checkEmpty(dst); err != nil {
		return r, err
	}
	from, err := bareFrom(src)
	if err != nil {
		return r, fmt.Errorf("actors: read the source: %w", err)
	}
	if r.Totals, err = from.Check(); err != nil {
		return r, fmt.Errorf("actors: the source state fails its checks, nothing copied: %w", err)
	}
	r.Seq = max(src.LastSeq(), from.restoredTop)
	info, err := dst.WriteSnapshot(r.Seq, func(w io.Writer) error {
		_, err := from.streamBlocks(ctx, w)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("actors: write the copy: %w", err)
	}
	r.Bytes = info.Size
	to, err := bareFrom(dst)
	if err != nil {
		return r, fmt.Errorf("actors: read the copy back: %w", err)
	}
	if err := sameCopy(from, to); err != nil {
		return r, err
	}
	r.Entities = map[string]int{}
	for _, k := range kindList() {
		if n := from.dir.count(k); n > 0 {
			r.Entities[k.String()] = n
		}
	}
	r.Took = time.Since(start)
	return r, nil
}

func checkEmpty(dst Store) error {
	snaps, err := dst.Snapshots()
	if err != nil {
		return fmt.Errorf("actors: read the destination: %w", err)
	}
	if dst.LastSeq() != 0 || len(snaps) > 0 {
		return fmt.Errorf("%w (%d snapshots, events up to %d): copy only into an empty one", ErrNotEmpty, len(snaps), dst.LastSeq())
	}
	return nil
}

// bareFrom recovers a store's whole state into an engine without actors:
// every entity passive, so it can be read and snapshotted directly.
func bareFrom(s Store) (*Engine, error) {
	e := bareEngine("")
	if _, err := s.Recover(e.restore, e.replay); err != nil {
		return nil, err
	}
	return e, nil
}

// sameCopy compares two engines entity by entity and by their totals.
func sameCopy(a, b *Engine) error {
	ja, errA := stateAtJSON(a, true, nil)
	jb, errB := stateAtJSON(b, true, nil)
	if err := errors.Join(errA, errB); err != nil {
		return fmt.Errorf("actors: compare the copy: %w", err)
	}
	if !bytes.Equal(ja, jb) {
		return fmt.Errorf("actors: the copy read back differs from the source (%d and %d bytes of state)", len(ja), len(jb))
	}
	ta, errA := a.Check()
	tb, errB := b.Check()
	if err := errors.Join(errA, errB); err != nil || ta != tb {
		return fmt.Errorf("actors: the copy's totals differ from the source's: %+v and %+v (%w)", ta, tb, err)
	}
	return nil
}
