package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Snapshot is an entity's state as of its event Seq, encoded by the
// caller: activation loads it and replays only the events after Seq.
type Snapshot struct {
	Kind    uint8
	Entity  string
	Seq     uint64
	Payload []byte
}

// LastEntitySeq is the entity's last written seq (0 for an entity never
// written): its next Append must carry this + 1.
func (s *Store) LastEntitySeq(ctx context.Context, kind uint8, entity string) (uint64, error) {
	var last int64
	err := s.pool.QueryRow(ctx, `SELECT greatest(
		(SELECT coalesce(max(seq), 0) FROM allot_events WHERE kind = $1 AND entity = $2),
		(SELECT coalesce(max(seq), 0) FROM allot_snapshots WHERE kind = $1 AND entity = $2))`,
		int16(kind), entity).Scan(&last)
	if err != nil {
		return 0, s.errorf(fmt.Sprintf("read the last seq of kind %d entity %q from", kind, entity), err)
	}
	return uint64(last), nil
}

// loadEntity reads an entity's snapshot (src 0) and the events after it
// (src 1) in one statement, so both come from one database snapshot: a
// snapshot written meanwhile cannot open a gap between the two.
const loadEntity = `WITH s AS (SELECT seq, payload FROM allot_snapshots WHERE kind = $1 AND entity = $2)
SELECT 0 AS src, seq, '' AS op, payload FROM s
UNION ALL
SELECT 1, e.seq, coalesce(e.op, ''), e.payload FROM allot_events e
WHERE e.kind = $1 AND e.entity = $2 AND e.seq > coalesce((SELECT seq FROM s), 0)
ORDER BY src, seq`

// Load reads what activating an entity needs, in one round trip: its
// snapshot, if any (nil otherwise), and its events after the snapshot in
// seq order.
func (s *Store) Load(ctx context.Context, kind uint8, entity string) (*Snapshot, []Event, error) {
	rows, err := s.pool.Query(ctx, loadEntity, int16(kind), entity)
	if err != nil {
		return nil, nil, s.errorf(fmt.Sprintf("load kind %d entity %q from", kind, entity), err)
	}
	var snap *Snapshot
	var events []Event
	var src int
	var seq int64
	var op string
	var payload []byte
	_, err = pgx.ForEachRow(rows, []any{&src, &seq, &op, &payload}, func() error {
		if src == 0 {
			snap = &Snapshot{Kind: kind, Entity: entity, Seq: uint64(seq), Payload: payload}
		} else {
			events = append(events, Event{Kind: kind, Entity: entity, Seq: uint64(seq), Op: op, Payload: payload})
		}
		payload = nil
		return nil
	})
	if err != nil {
		return nil, nil, s.errorf(fmt.Sprintf("load kind %d entity %q from", kind, entity), err)
	}
	return snap, events, nil
}

// ScanSnapshots calls fn with every entity's snapshot, in key order, as the
// rows arrive: whole-state recovery without holding the whole state twice.
// An error from fn stops the scan and is returned as is.
func (s *Store) ScanSnapshots(ctx context.Context, fn func(Snapshot) error) error {
	rows, err := s.pool.Query(ctx, "SELECT kind, entity, seq, payload FROM allot_snapshots ORDER BY kind, entity")
	if err != nil {
		return s.errorf("scan snapshots in", err)
	}
	var kind int16
	var seq int64
	var snap Snapshot
	var fnErr error
	_, err = pgx.ForEachRow(rows, []any{&kind, &snap.Entity, &seq, &snap.Payload}, func() error {
		snap.Kind, snap.Seq = uint8(kind), uint64(seq)
		fnErr = fn(snap)
		snap.Payload = nil // a fresh slice for the next row: fn may keep this one
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return s.errorf("scan snapshots in", err)
	}
	return nil
}

// ScanEvents calls fn with every event whose gseq is above afterGseq, in
// gseq order (ties between writers in key order), as the rows arrive. An
// error from fn stops the scan and is returned as is.
func (s *Store) ScanEvents(ctx context.Context, afterGseq uint64, fn func(gseq uint64, ev Event) error) error {
	return s.scanEvents(ctx, afterGseq, "", nil, fn)
}

// scanEvents is ScanEvents with where, a further condition on the rows
// whose parameters, args, follow the first ($1 is afterGseq).
func (s *Store) scanEvents(ctx context.Context, afterGseq uint64, where string, args []any, fn func(gseq uint64, ev Event) error) error {
	if afterGseq > math.MaxInt64 {
		return nil
	}
	if where != "" {
		where = " AND " + where
	}
	rows, err := s.pool.Query(ctx, `SELECT gseq, kind, entity, seq, coalesce(op, ''), payload FROM allot_events
		WHERE gseq > $1`+where+` ORDER BY gseq, kind, entity, seq`, append([]any{int64(afterGseq)}, args...)...)
	if err != nil {
		return s.errorf("scan events in", err)
	}
	var gseq, seq int64
	var kind int16
	var ev Event
	var fnErr error
	_, err = pgx.ForEachRow(rows, []any{&gseq, &kind, &ev.Entity, &seq, &ev.Op, &ev.Payload}, func() error {
		ev.Kind, ev.Seq = uint8(kind), uint64(seq)
		fnErr = fn(uint64(gseq), ev)
		ev.Payload = nil
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return s.errorf("scan events in", err)
	}
	return nil
}

// PutSnapshots stores snapshots in one statement, each only if it is newer
// than the entity's stored one: a slow or stale writer cannot move an
// entity's snapshot back. A snapshot must cover only events that have
// committed (their done returned nil), or activation would start from a
// state the table does not hold.
func (s *Store) PutSnapshots(ctx context.Context, snaps []Snapshot) error {
	snaps = newestPerEntity(snaps)
	if len(snaps) == 0 {
		return nil
	}
	kinds := make([]int16, len(snaps))
	entities := make([]string, len(snaps))
	seqs := make([]int64, len(snaps))
	payloads := make([][]byte, len(snaps))
	for i, sn := range snaps {
		if sn.Seq > math.MaxInt64 || len(sn.Entity) > MaxKeyLen || !validText(sn.Entity) {
			return fmt.Errorf("%w: snapshot of kind %d entity %q seq %d: bad seq or entity", ErrInvalidEvent, sn.Kind, sn.Entity, sn.Seq)
		}
		kinds[i], entities[i], seqs[i], payloads[i] = int16(sn.Kind), sn.Entity, int64(sn.Seq), sn.Payload
		if payloads[i] == nil {
			payloads[i] = []byte{}
		}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO allot_snapshots AS s (kind, entity, seq, payload)
		SELECT kind, entity, seq, payload
		FROM unnest($1::smallint[], $2::text[], $3::bigint[], $4::bytea[]) WITH ORDINALITY AS u(kind, entity, seq, payload, ord)
		ORDER BY ord
		ON CONFLICT (kind, entity) DO UPDATE SET seq = excluded.seq, payload = excluded.payload
		WHERE s.seq < excluded.seq`, kinds, entities, seqs, payloads)
	if err != nil {
		return s.errorf(fmt.Sprintf("write %d snapshots to", len(snaps)), err)
	}
	return nil
}

// newestPerEntity keeps the highest seq of each entity (one statement may
// not update a row twice) and sorts by key, the lock order every writer
// uses.
func newestPerEntity(snaps []Snapshot) []Snapshot {
	out := slices.Clone(snaps)
	slices.SortFunc(out, func(a, b Snapshot) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Entity, b.Entity), cmp.Compare(b.Seq, a.Seq))
	})
	return slices.CompactFunc(out, func(a, b Snapshot) bool { return a.Kind == b.Kind && a.Entity == b.Entity })
}

// HasOp reports whether an operation id has been recorded, that is whether
// an event carrying it has committed.
func (s *Store) HasOp(ctx context.Context, op string) (bool, error) {
	var found bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM allot_operations WHERE op = $1)", op).Scan(&found); err != nil {
		return false, s.errorf(fmt.Sprintf("look up op %q in", op), err)
	}
	return found, nil
}
