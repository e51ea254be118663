package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"allot/persistence"
)

// The engine's whole-state snapshots: a header row in
// allot_state_snapshots and the payload in parts in
// allot_state_snapshot_parts, written in one transaction, so a header
// means every part is there. The CRC-32C of the whole payload is checked
// when it is read back.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot stores what write produces as the snapshot at seq, a part
// at a time inside one transaction; it becomes the newest when that
// commits. A snapshot already stored at seq (nothing happened since) is
// replaced.
func (e *Engine) WriteSnapshot(seq uint64, write func(w io.Writer) error) (persistence.SnapshotInfo, error) {
	start := time.Now()
	ctx := context.Background()
	info := persistence.SnapshotInfo{Seq: seq, Path: snapshotPath(seq)}
	tx, err := e.s.pool.Begin(ctx)
	if err != nil {
		return info, e.s.errorf("begin a snapshot in", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit, a no-op
	// The engine keeps this transaction open while it encodes the entities
	// and waits for the events they hold to commit: longer, under load,
	// than the store's connections allow a transaction to idle (open.go).
	if _, err := tx.Exec(ctx, `SET LOCAL idle_in_transaction_session_timeout = 0`); err != nil {
		return info, e.s.errorf("write a snapshot to", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM allot_state_snapshot_parts WHERE seq = $1`, int64(seq)); err != nil {
		return info, e.s.errorf("write a snapshot to", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM allot_state_snapshots WHERE seq = $1`, int64(seq)); err != nil {
		return info, e.s.errorf("write a snapshot to", err)
	}
	pw := &partWriter{ctx: ctx, tx: tx, seq: seq, buf: make([]byte, 0, e.opts.SnapshotPart)}
	if err := write(pw); err != nil {
		return info, err
	}
	if err := pw.flush(); err != nil {
		return info, e.s.errorf("write a snapshot to", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO allot_state_snapshots (seq, size, parts, crc) VALUES ($1, $2, $3, $4)`,
		int64(seq), pw.size, pw.parts, int64(pw.crc))
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		return info, e.s.errorf("write a snapshot to", err)
	}
	info.Size, info.Created, info.Duration = pw.size, time.Now(), time.Since(start)
	return info, nil
}

func snapshotPath(seq uint64) string { return fmt.Sprintf("postgres:allot_state_snapshots/%d", seq) }

// partWriter stores a snapshot's bytes a part at a time.
type partWriter struct {
	ctx   context.Context
	tx    pgx.Tx
	seq   uint64
	buf   []byte
	parts int
	size  int64
	crc   uint32
	err   error
}

func (w *partWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && w.err == nil {
		k := min(len(p), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == cap(w.buf) {
			w.err = w.flush()
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	return n, nil
}

func (w *partWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.tx.Exec(w.ctx, `INSERT INTO allot_state_snapshot_parts (seq, part, data) VALUES ($1, $2, $3)`,
		int64(w.seq), w.parts, w.buf)
	if err != nil {
		return err
	}
	w.crc = crc32.Update(w.crc, castagnoli, w.buf)
	w.size += int64(len(w.buf))
	w.parts++
	w.buf = w.buf[:0]
	return nil
}

// Snapshots lists the stored snapshots, newest first.
func (e *Engine) Snapshots() ([]persistence.SnapshotInfo, error) {
	ctx := context.Background()
	rows, err := e.s.pool.Query(ctx, `SELECT seq, size, created_at FROM allot_state_snapshots ORDER BY seq DESC`)
	if err != nil {
		return nil, e.s.errorf("list snapshots in", err)
	}
	var out []persistence.SnapshotInfo
	var seq, size int64
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&seq, &size, &at}, func() error {
		out = append(out, persistence.SnapshotInfo{Seq: uint64(seq), Path: snapshotPath(uint64(seq)), Size: size, Created: at})
		return nil
	})
	if err != nil {
		return nil, e.s.errorf("list snapshots in", err)
	}
	return out, nil
}

// newestSnapshot reads the newest snapshot whole, or nil when there is
// none. A snapshot whose parts do not add up to its header is refused by
// name: the database was changed by hand or damaged.
func (e *Engine) newestSnapshot(ctx context.Context) (*persistence.SnapshotInfo, []byte, error) {
	var seq, size, crc int64
	var parts int
	err := e.s.pool.QueryRow(ctx, `SELECT seq, size, parts, crc FROM allot_state_snapshots ORDER BY seq DESC LIMIT 1`).
		Scan(&seq, &size, &parts, &crc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, e.s.errorf("read the newest snapshot in", err)
	}
	info := &persistence.SnapshotInfo{Seq: uint64(seq), Path: snapshotPath(uint64(seq)), Size: size}
	payload := make([]byte, 0, min(size, 1<<34))
	rows, err := e.s.pool.Query(ctx, `SELECT part, data FROM allot_state_snapshot_parts WHERE seq = $1 ORDER BY part`, seq)
	if err != nil {
		return nil, nil, e.s.errorf("read snapshot parts in", err)
	}
	var part, n int
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&part, &data}, func() error {
		if part != n {
			return fmt.Errorf("part %d where %d was next", part, n)
		}
		n++
		payload = append(payload, data...)
		return nil
	})
	if err == nil && (n != parts || int64(len(payload)) != size || int64(crc32.Checksum(payload, castagnoli)) != crc) {
		err = fmt.Errorf("%d parts and %d bytes where the header says %d and %d, or a bad checksum", n, len(payload), parts, size)
	}
	if err != nil {
		return nil, nil, e.s.errorf(fmt.Sprintf("snapshot %d is damaged in", seq), err)
	}
	return info, payload, nil
}

// Compact keeps the newest keep snapshots and, once there are that many,
// deletes the events the oldest of them already holds.
func (e *Engine) Compact(keep int) error {
	ctx := context.Background()
	keep = max(keep, 1)
	tx, err := e.s.pool.Begin(ctx)
	if err != nil {
		return e.s.errorf("compact", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var oldest int64
	var kept int
	err = tx.QueryRow(ctx, `SELECT coalesce(min(seq), 0), count(*) FROM
		(SELECT seq FROM allot_state_snapshots ORDER BY seq DESC LIMIT $1) k`, keep).Scan(&oldest, &kept)
	if err != nil || kept < keep {
		return e.s.errorfOrNil("compact", err)
	}
	lazy := e.uncovered()
	for _, q := range []string{
		`DELETE FROM allot_state_snapshot_parts WHERE seq < $1`,
		`DELETE FROM allot_state_snapshots WHERE seq < $1`,
		// An event of a kind kept lazily stays until its entity's own
		// snapshot covers it: the whole-state snapshots leave those
		// entities out, so nothing else holds it.
		`DELETE FROM allot_events e WHERE e.gseq <= $1 AND (e.kind <> ALL($2::smallint[])
			OR e.gseq <= (SELECT s.seq FROM allot_snapshots s WHERE s.kind = e.kind AND s.entity = e.entity))`,
	} {
		args := []any{oldest}
		if strings.Contains(q, "$2") {
			args = append(args, lazy)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return e.s.errorf("compact", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return e.s.errorf("compact", err)
	}
	return nil
}

// errorfOrNil is errorf for a non-nil err, else nil.
func (s *Store) errorfOrNil(what string, err error) error {
	if err == nil {
		return nil
	}
	return s.errorf(what, err)
}
