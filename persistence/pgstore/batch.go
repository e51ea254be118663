package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// insertEvents writes a batch's events in one statement. A row whose key
// another writer already holds is skipped (the fence); RETURNING tells
// which went in. The rows go in key order (ordinality follows the sorted
// arrays), so that writers racing on the same entities take their row
// locks in the same order and cannot deadlock.
const insertEvents = `INSERT INTO allot_events (kind, entity, seq, gseq, op, payload)
SELECT kind, entity, seq, gseq, op, payload
FROM unnest($1::smallint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bytea[])
	WITH ORDINALITY AS u(kind, entity, seq, gseq, op, payload, ord)
ORDER BY ord
ON CONFLICT DO NOTHING
RETURNING gseq`

// insertAllEvents and insertAllOps are the batch's fast path: plain
// inserts, in the same key order, that put every row in or fail the
// transaction on the first key already taken (unique_violation). Without
// ON CONFLICT the server skips the speculative insertion, about a third of
// its CPU per row; a batch that meets a taken key is written again with
// the statements above, which decide row by row.
const (
	insertAllEvents = `INSERT INTO allot_events (kind, entity, seq, gseq, op, payload)
SELECT kind, entity, seq, gseq, op, payload
FROM unnest($1::smallint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bytea[])
	WITH ORDINALITY AS u(kind, entity, seq, gseq, op, payload, ord)
ORDER BY ord`
	insertAllOps = `INSERT INTO allot_operations (op, kind, entity, seq)
SELECT op, kind, entity, seq
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[])
	WITH ORDINALITY AS u(op, kind, entity, seq, ord)
ORDER BY ord`
)

// insertOps records the batch's operation ids, in op order, skipping those
// already recorded; RETURNING tells which event's row went in.
const insertOps = `INSERT INTO allot_operations (op, kind, entity, seq)
SELECT op, kind, entity, seq
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[])
	WITH ORDINALITY AS u(op, kind, entity, seq, ord)
ORDER BY ord
ON CONFLICT DO NOTHING
RETURNING op, kind, entity, seq`

// undoRefused deletes, before commit, the rows this transaction inserted
// for events it then refused: later events of a fenced entity, events
// whose op id was a duplicate, and op ids of events that conflicted.
const undoRefused = `WITH e AS (
	DELETE FROM allot_events ev
	USING unnest($1::smallint[], $2::text[], $3::bigint[]) AS u(kind, entity, seq)
	WHERE ev.kind = u.kind AND ev.entity = u.entity AND ev.seq = u.seq
	RETURNING 1
), o AS (
	DELETE FROM allot_operations WHERE op = ANY($4::text[]) RETURNING 1
)
SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM o)`

// rows is a batch laid out as the statements' array parameters, sorted by
// key (events) and by op id (operations).
type rows struct {
	batch    []pending
	order    []int // batch index of each event row
	kinds    []int16
	entities []string
	seqs     []int64
	gseqs    []int64
	ops      []*string
	payloads [][]byte

	opIDs      []string
	opKinds    []int16
	opEntities []string
	opSeqs     []int64

	// careful is set once the plain inserts met a key already taken: this
	// batch's attempts from then on decide row by row.
	careful bool
}

// opKey identifies an operations row as RETURNING gives it back.
type opKey struct {
	op     string
	kind   int16
	entity string
	seq    int64
}

func newRows(batch []pending) *rows {
	r := &rows{batch: batch, order: make([]int, len(batch))}
	for i := range batch {
		r.order[i] = i
	}
	slices.SortFunc(r.order, func(a, b int) int {
		x, y := &batch[a].ev, &batch[b].ev
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Entity, y.Entity), cmp.Compare(x.Seq, y.Seq))
	})
	var withOp []int
	for _, i := range r.order {
		ev := &batch[i].ev
		r.kinds = append(r.kinds, int16(ev.Kind))
		r.entities = append(r.entities, ev.Entity)
		r.seqs = append(r.seqs, int64(ev.Seq))
		r.gseqs = append(r.gseqs, int64(batch[i].gseq))
		r.payloads = append(r.payloads, ev.Payload)
		var op *string
		if ev.Op != "" {
			op = &ev.Op
			withOp = append(withOp, i)
		}
		r.ops = append(r.ops, op)
	}
	slices.SortStableFunc(withOp, func(a, b int) int { return cmp.Compare(batch[a].ev.Op, batch[b].ev.Op) })
	for _, i := range withOp {
		ev := &batch[i].ev
		r.opIDs = append(r.opIDs, ev.Op)
		r.opKinds = append(r.opKinds, int16(ev.Kind))
		r.opEntities = append(r.opEntities, ev.Entity)
		r.opSeqs = append(r.opSeqs, int64(ev.Seq))
	}
	return r
}

// tryBatch runs one attempt of the batch's transaction. The fast path
// is one COPY (copyAll), or for a batch with operation ids BEGIN, the
// plain inserts and COMMIT in one round trip (insertAll); the careful
// path (a key already taken) inserts row by row, deletes again what it
// refused, then commits. The per-event outcomes are valid only if it
// returns no error, or an error wrapping ErrCommitUnknown (then they are
// the outcomes if the transaction did commit).
func (s *Store) tryBatch(r *rows) ([]error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.CommitTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire a connection: %w", err)
	}
	defer conn.Release()
	c := conn.Conn()
	if !r.careful {
		var err error
		if len(r.opIDs) == 0 {
			err = s.copyAll(ctx, c, r)
		} else {
			err = r.insertAll(ctx, c)
		}
		switch {
		case err == nil:
			return make([]error, len(r.batch)), nil
		case errors.Is(err, ErrCommitUnknown):
			return make([]error, len(r.batch)), err
		case !isUniqueViolation(err):
			rollback(c)
			return nil, err
		}
		r.careful = true
		rollback(c) // the failed insert ended the transaction's use
	}
	out, err := r.insertCareful(ctx, c)
	if err != nil {
		rollback(c)
		return nil, err
	}
	return out, commit(ctx, c)
}

// insertAll runs BEGIN, the plain inserts and COMMIT in one round trip.
// The server runs a pipeline's statements until one fails and skips the
// rest up to the pipeline's end, so an insert that fails (a key already
// taken: unique_violation) leaves the transaction open and aborted, its
// COMMIT never run: the caller rolls it back. An answer lost after the
// statements were sent leaves the outcome unknown, as a lost COMMIT does.
func (r *rows) insertAll(ctx context.Context, conn *pgx.Conn) error {
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(insertAllEvents, r.kinds, r.entities, r.seqs, r.gseqs, r.ops, r.payloads)
	if len(r.opIDs) > 0 {
		b.Queue(insertAllOps, r.opIDs, r.opKinds, r.opEntities, r.opSeqs)
	}
	b.Queue("commit")
	br := conn.SendBatch(ctx, b)
	for i := 0; i < b.Len()-1; i++ {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			if isServerError(err) {
				return fmt.Errorf("insert %d events: %w", len(r.order), err)
			}
			return commitFailed(err)
		}
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() == "ROLLBACK" {
		return errors.New("commit: the server rolled the transaction back")
	}
	if err != nil {
		return commitFailed(err)
	}
	return nil
}

// isUniqueViolation reports the server's refusal of a key already taken.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// insertCareful runs BEGIN and the row-by-row inserts in one round trip,
// then deletes again what it refused.
func (r *rows) insertCareful(ctx context.Context, conn *pgx.Conn) ([]error, error) {
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(insertEvents, r.kinds, r.entities, r.seqs, r.gseqs, r.ops, r.payloads)
	if len(r.opIDs) > 0 {
		b.Queue(insertOps, r.opIDs, r.opKinds, r.opEntities, r.opSeqs)
	}
	br := conn.SendBatch(ctx, b)
	evIns, opIns, err := r.readInserted(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("insert %d events: %w", len(r.order), err)
	}
	out, u := r.judge(evIns, opIns)
	if err := u.run(ctx, conn); err != nil {
		return nil, err
	}
	return out, nil
}

// readInserted collects what RETURNING reported: the gseqs of the events
// inserted and the operations rows inserted.
func (r *rows) readInserted(br pgx.BatchResults) (map[int64]bool, map[opKey]bool, error) {
	if _, err := br.Exec(); err != nil {
		return nil, nil, err
	}
	evIns := make(map[int64]bool, len(r.order))
	var g int64
	if err := forEach(br, []any{&g}, func() { evIns[g] = true }); err != nil {
		return nil, nil, err
	}
	opIns := make(map[opKey]bool, len(r.opIDs))
	if len(r.opIDs) == 0 {
		return evIns, opIns, nil
	}
	var k opKey
	err := forEach(br, []any{&k.op, &k.kind, &k.entity, &k.seq}, func() { opIns[k] = true })
	return evIns, opIns, err
}

// forEach scans the rows of the batch's next query into dest, calling each
// after every row.
func forEach(br pgx.BatchResults, dest []any, each func()) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, dest, func() error {
		each()
		return nil
	})
	return err
}

// judge decides each event's outcome from what went in, in key order: an
// event not inserted lost its seq to another writer (ErrFenced); an event
// whose op id did not go in repeats an operation (ErrDuplicateOp); once an
// entity has a refused event, its later events in the batch are refused
// too (ErrFenced), so the table never gets a gap. It also lists the rows
// to delete again for the refused events.
func (r *rows) judge(evIns map[int64]bool, opIns map[opKey]bool) ([]error, *undo) {
	out := make([]error, len(r.batch))
	u := &undo{}
	refused := map[entityKey]uint64{} // entity → seq of its first refused event
	for _, i := range r.order {
		ev := &r.batch[i].ev
		inserted := evIns[int64(r.batch[i].gseq)]
		opMine := ev.Op != "" && opIns[opKey{ev.Op, int16(ev.Kind), ev.Entity, int64(ev.Seq)}]
		first, fenced := refused[ev.key()]
		var reason string
		cause := ErrFenced
		switch {
		case fenced:
			reason = fmt.Sprintf("seq %d of the entity was refused in the same batch", first)
		case !inserted:
			reason = "the seq is already written by another writer"
		case ev.Op != "" && !opMine:
			reason, cause = "the op id is already recorded (or carried by another event of the batch)", ErrDuplicateOp
		default:
			continue
		}
		out[i] = &EventError{Kind: ev.Kind, Entity: ev.Entity, Seq: ev.Seq, Op: ev.Op, Reason: reason, Err: cause}
		if !fenced {
			refused[ev.key()] = ev.Seq
		}
		u.add(ev, inserted, opMine)
	}
	return out, u
}

// undo is the rows a transaction inserted for events it refused.
type undo struct {
	kinds    []int16
	entities []string
	seqs     []int64
	ops      []string
}

func (u *undo) add(ev *Event, inserted, opMine bool) {
	if inserted {
		u.kinds = append(u.kinds, int16(ev.Kind))
		u.entities = append(u.entities, ev.Entity)
		u.seqs = append(u.seqs, int64(ev.Seq))
	}
	if opMine {
		u.ops = append(u.ops, ev.Op)
	}
}

func (u *undo) run(ctx context.Context, conn *pgx.Conn) error {
	if len(u.seqs) == 0 && len(u.ops) == 0 {
		return nil
	}
	var events, ops int
	err := conn.QueryRow(ctx, undoRefused, u.kinds, u.entities, u.seqs, u.ops).Scan(&events, &ops)
	if err != nil {
		return fmt.Errorf("delete refused events: %w", err)
	}
	if events != len(u.seqs) || ops != len(u.ops) {
		return fmt.Errorf("delete refused events: deleted %d events and %d op ids, want %d and %d", events, ops, len(u.seqs), len(u.ops))
	}
	return nil
}

// commit sends COMMIT after the careful path's statements.
func commit(ctx context.Context, conn *pgx.Conn) error {
	tag, err := conn.Exec(ctx, "commit")
	switch {
	case err == nil && tag.String() == "ROLLBACK":
		return errors.New("commit: the server rolled the transaction back")
	case err == nil:
		return nil
	default:
		return commitFailed(err)
	}
}

// commitFailed classifies a failure once COMMIT may have been sent: the
// server's ERROR, or a failure before anything left this process,
// certainly did not commit; anything else (the connection broke while
// COMMIT was in flight, a FATAL or PANIC from the server) leaves the
// outcome unknown.
func commitFailed(err error) error {
	if pgconn.SafeToRetry(err) || isServerError(err) {
		return fmt.Errorf("commit: %w", err)
	}
	return fmt.Errorf("%w: %w", ErrCommitUnknown, err)
}

// isServerError reports a statement error from a healthy server session
// (severity ERROR), as opposed to a broken connection or a FATAL/PANIC.
func isServerError(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	sev := pe.SeverityUnlocalized
	if sev == "" {
		sev = pe.Severity
	}
	return sev == "ERROR"
}

// rollback ends a failed transaction; if that fails too the connection is
// closed, which ends the transaction on the server.
func rollback(conn *pgx.Conn) {
	if conn.IsClosed() || conn.PgConn().TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "rollback"); err != nil {
		_ = conn.Close(ctx)
	}
}
