package pgstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// copyEvents is the fast path of a batch without operation ids: one COPY,
// outside any transaction block, so the server runs it as a transaction of
// its own and commits it before it answers. A key already taken fails the
// whole COPY (unique_violation), and nothing of it stays. COPY inserts a
// page's rows with one heap write-ahead record instead of one per row, and
// skips the executor's per-row work of INSERT … SELECT FROM unnest: about
// a third less of the server's CPU per event.
const copyEvents = `COPY allot_events (kind, entity, seq, gseq, op, payload) FROM STDIN (FORMAT binary)`

// copyHeader starts COPY's binary format: the signature, no flags, no
// header extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// maxKeptCopyBuf is the largest encoding buffer the writer keeps for the
// next batch; a larger one (a batch of big payloads) is left to the
// collector.
const maxKeptCopyBuf = 1 << 20

// copyAll writes the batch's events with one COPY, in key order, so that
// writers racing on the same entities take their locks in the same order.
// The server's ERROR means nothing was written; any other failure leaves
// the outcome unknown, as a lost COMMIT does, and the writer finds it out.
func (s *Store) copyAll(ctx context.Context, conn *pgx.Conn, r *rows) error {
	buf := r.appendCopy(s.copyBuf[:0])
	if cap(buf) <= maxKeptCopyBuf {
		s.copyBuf = buf
	}
	tag, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(buf), copyEvents)
	if err != nil {
		// pgconn sends the rows from a goroutine of its own, which may
		// still be reading buf when CopyFrom returns an error early: the
		// next batch must not write into it.
		s.copyBuf = nil
	}
	switch {
	case isServerError(err):
		return fmt.Errorf("copy %d events: %w", len(r.order), err)
	case err != nil:
		// Not commitFailed: pgconn's SafeToRetry speaks of its last write
		// only (a CopyFail after the rows went out, say), not of whether
		// the server got the COPY, so the outcome is found out instead.
		return fmt.Errorf("%w: %w", ErrCommitUnknown, err)
	case tag.RowsAffected() != int64(len(r.order)):
		return fmt.Errorf("copy %d events: the server wrote %d", len(r.order), tag.RowsAffected())
	}
	return nil
}

// appendCopy appends the batch's event rows to buf in COPY's binary
// format: per row the field count, then each field's length and bytes in
// network order (-1 for NULL), and a trailer of -1. Only a batch without
// op ids is copied, so every row's op is NULL.
func (r *rows) appendCopy(buf []byte) []byte {
	be := binary.BigEndian
	buf = append(buf, copyHeader...)
	for k := range r.kinds {
		buf = be.AppendUint16(buf, 6)
		buf = be.AppendUint16(be.AppendUint32(buf, 2), uint16(r.kinds[k]))
		buf = appendCopyBytes(buf, r.entities[k])
		buf = be.AppendUint64(be.AppendUint32(buf, 8), uint64(r.seqs[k]))
		buf = be.AppendUint64(be.AppendUint32(buf, 8), uint64(r.gseqs[k]))
		buf = be.AppendUint32(buf, 0xffffffff) // op: NULL, the batch has none
		buf = appendCopyBytes(buf, r.payloads[k])
	}
	return be.AppendUint16(buf, 0xffff)
}

// appendCopyBytes appends one text or bytea field: its length, then its
// bytes as they are (binary text is the string's UTF-8).
func appendCopyBytes[T string | []byte](buf []byte, v T) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(v)))
	return append(buf, v...)
}
