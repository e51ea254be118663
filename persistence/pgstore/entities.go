package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"allot/domain"
	"allot/persistence"
)

// The engine's entities one at a time: what lets it keep a kind out of
// memory until an entity of it is used. An entity's own snapshot in
// allot_snapshots has as its seq the engine's sequence (gseq) of the last
// event it covers, so the events after it are those with a higher gseq.

// loadEngineEntity reads an entity's own snapshot (src 0) and its events
// after it (src 1) in one statement, so both come from one database
// snapshot: a snapshot stored meanwhile cannot open a gap between them.
// The primary key finds the entity's events; gseq orders them.
const loadEngineEntity = `WITH s AS (SELECT seq, payload FROM allot_snapshots WHERE kind = $1 AND entity = $2)
SELECT 0 AS src, seq, payload FROM s
UNION ALL
SELECT 1, e.gseq, e.payload FROM allot_events e
WHERE e.kind = $1 AND e.entity = $2 AND e.gseq > coalesce((SELECT seq FROM s), 0)
ORDER BY src, seq`

// LoadEntity reads what rebuilding one entity needs, in one round trip.
// An entity the database has never seen has an empty history.
func (e *Engine) LoadEntity(ctx context.Context, kind domain.Kind, id string) (persistence.EntityHistory, error) {
	var h persistence.EntityHistory
	rows, err := e.s.pool.Query(ctx, loadEngineEntity, int16(kind), id)
	if err != nil {
		return h, e.s.errorf(fmt.Sprintf("load %s %q from", kind, id), err)
	}
	var src int
	var seq int64
	var payload []byte
	_, err = pgx.ForEachRow(rows, []any{&src, &seq, &payload}, func() error {
		if src == 0 {
			h.State, h.Seq = payload, uint64(seq)
		} else {
			h.Records = append(h.Records, persistence.SeqRecord{Seq: uint64(seq), Payload: payload})
		}
		payload = nil // a fresh slice for the next row: h keeps this one
		return nil
	})
	if err != nil {
		return persistence.EntityHistory{}, e.s.errorf(fmt.Sprintf("load %s %q from", kind, id), err)
	}
	return h, nil
}

// PutEntitySnapshots stores entities' own snapshots, each only if it is
// newer than the one stored (PutSnapshots). Every event a snapshot covers
// must have committed.
func (e *Engine) PutEntitySnapshots(ctx context.Context, snaps []persistence.EntitySnapshot) error {
	out := make([]Snapshot, len(snaps))
	for i, s := range snaps {
		out[i] = Snapshot{Kind: s.Kind, Entity: s.ID, Seq: s.Seq, Payload: s.State}
	}
	return e.s.PutSnapshots(ctx, out)
}

// scanEngineEntities lists every entity of a kind with an own snapshot or
// events, grouped by entity: the snapshot (src 0), then the events after
// it (src 1) in gseq order.
const scanEngineEntities = `SELECT entity, 0 AS src, seq, payload FROM allot_snapshots WHERE kind = $1
UNION ALL
SELECT e.entity, 1, e.gseq, e.payload FROM allot_events e
LEFT JOIN allot_snapshots s ON s.kind = e.kind AND s.entity = e.entity
WHERE e.kind = $1 AND e.gseq > coalesce(s.seq, 0)
ORDER BY 1, 2, 3`

// ScanEntities calls fn with the history of every entity of kind the
// database holds, one entity at a time, as the rows arrive: a check over
// a kind whose entities are not all in memory. An error from fn stops the
// scan and is returned as is.
func (e *Engine) ScanEntities(ctx context.Context, kind domain.Kind, fn func(id string, h persistence.EntityHistory) error) error {
	rows, err := e.s.pool.Query(ctx, scanEngineEntities, int16(kind))
	if err != nil {
		return e.s.errorf(fmt.Sprintf("scan the %s entities in", kind), err)
	}
	var id, cur string
	var src int
	var seq int64
	var payload []byte
	var h persistence.EntityHistory
	var fnErr error
	flush := func() error {
		if cur == "" && h.State == nil && h.Records == nil {
			return nil
		}
		fnErr = fn(cur, h)
		h = persistence.EntityHistory{}
		return fnErr
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &src, &seq, &payload}, func() error {
		if id != cur {
			if err := flush(); err != nil {
				return err
			}
			cur = id
		}
		if src == 0 {
			h.State, h.Seq = payload, uint64(seq)
		} else {
			h.Records = append(h.Records, persistence.SeqRecord{Seq: uint64(seq), Payload: payload})
		}
		payload = nil
		return nil
	})
	if err == nil && fnErr == nil {
		err = flush()
	}
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return e.s.errorf(fmt.Sprintf("scan the %s entities in", kind), err)
	}
	return nil
}

// KeepUncovered names the kinds the engine keeps out of memory until used:
// Compact keeps each of their events until its entity's own snapshot
// covers it.
func (e *Engine) KeepUncovered(kinds []domain.Kind) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lazy = e.lazy[:0]
	for _, k := range kinds {
		e.lazy = append(e.lazy, int16(k))
	}
}

func (e *Engine) uncovered() []int16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int16{}, e.lazy...)
}
