// Package pgstore keeps entities' events, snapshots, operation ids and
// singletons' leases in PostgreSQL, fenced so that two activations of one
// entity (two processes, or a zombie and its successor) can never both
// write. It is the store for operators who run PostgreSQL with replication
// and point-in-time backups, and the ground for running several members
// on shared state; the file journal (package persistence) stays the
// embedded default. Like the journal it knows bytes and sequence numbers:
// payloads are encoded by the caller.
//
// # Layout
//
// Open applies the schema's migrations (migrations/NNNN_name.sql, embedded)
// one transaction each, under an advisory lock so that processes starting
// together apply each step once, and records them in
// allot_schema_migrations(version, name, applied_at). A database whose
// newest version is above the newest this binary knows is refused
// (ErrSchemaTooNew), as is a read-only server (ErrReadOnly), before
// anything is written. The tables:
//
//	allot_events      (kind, entity, seq) PRIMARY KEY, gseq, op, payload
//	allot_snapshots   (kind, entity) PRIMARY KEY, seq, payload
//	allot_operations  op PRIMARY KEY, kind, entity, seq
//	allot_leases      name PRIMARY KEY, holder, epoch, expires_at
//	allot_cursors     name PRIMARY KEY, epoch, value
//	allot_state_snapshots       seq PRIMARY KEY, size, parts, crc (the engine's)
//	allot_state_snapshot_parts  (seq, part) PRIMARY KEY, data
//
// # Fencing
//
// An entity's events are numbered 1, 2, 3… (Event.Seq) by whoever holds
// the entity, each Append carrying its last seq + 1. The primary key of
// allot_events is the fence: of two writers appending the same seq of the
// same entity, exactly one row goes in. The loser learns it from its done
// callback (an *EventError wrapping ErrFenced): its view of the entity is
// stale, nothing of that event is in the table, and the Store refuses every
// later Append for the entity (those queued are dropped with ErrFenced
// too) until the caller has reloaded it (Load) and called Unfence.
// Snapshots only move forward (an upsert that keeps the higher seq), and
// singletons' cursors are written only under the current epoch of their
// lease (ErrLeaseLost otherwise).
//
// # Group commit and durability
//
// Append does not wait: it gives the event a global sequence (gseq,
// increasing within one Store and continuing after the highest in the
// table at Open) and queues it. One writer goroutine takes everything
// queued, writes it in one transaction, and after its commit calls each
// event's done. A batch without op ids is one COPY in binary format, a
// transaction of its own; one with op ids is BEGIN, a multi-row INSERT
// over unnest arrays for the events and one for the op ids, and COMMIT,
// all in one round trip. Either puts every row in or fails on a key
// already taken; only then is the batch written again with INSERT … ON
// CONFLICT DO NOTHING RETURNING, which decides row by row (below), so the
// common case costs the server no speculative insertion. So an event is acknowledged only once
// its transaction has committed, which with PostgreSQL's defaults
// (fsync=on, synchronous_commit=on) means it is in the server's WAL on
// disk; with synchronous replication, on the standbys too.
//
// A refusal fences only its entity: within a batch, an event whose row did
// not go in (ErrFenced), or whose op id was already recorded
// (ErrDuplicateOp, reported to that event; its entity is fenced too, since
// its writer has applied an event the table does not have), takes the
// entity's later events in the batch down with it (their rows are deleted
// again before COMMIT, so the table never has a gap), while every other
// entity's events commit and are acknowledged. Writers insert in key
// order, so two racing on the same entities cannot deadlock.
//
// A batch that fails before COMMIT is sent certainly did not commit: it is
// retried once, then its events fail (their entities are fenced, their
// writers having run ahead of the table) and the Store goes on with the
// next batch. A COMMIT that gets no answer (the connection broke, the
// server crashed) leaves the outcome unknown: the batch's events fail with
// ErrCommitUnknown, the Store refuses every later Append (Err), and the
// process must reopen the store and reload, as after the journal's failed
// fdatasync. Either way nothing is acknowledged that is not committed;
// an event that failed with ErrCommitUnknown may be in the table.
//
// # Operation ids
//
// An event may carry an operation id (Event.Op): it is recorded in
// allot_operations in the same transaction, so a redelivered operation is
// recognised by whichever process sees it again (ErrDuplicateOp at append,
// or HasOp before acting). Op ids must be unique across all events.
//
// # Leases
//
// A singleton (payment watcher, scheduler, long-poller) runs under a lease
// (AcquireLease, RenewLease, ReleaseLease) judged by the database's clock.
// Every change of holder, and every re-acquisition after expiry, raises the
// lease's epoch; lease rows are never deleted, so an epoch never repeats.
// PutCursor checks the epoch and writes in one statement.
//
// # The engine's store
//
// Engine is the engine's store (actors.Store and actors.EntityStore). Its
// sequences are the events' gseq; an event's Seq is its predecessor's gseq
// plus one, which keeps the fence. The whole-state snapshots go to
// allot_state_snapshots in parts. The entities the engine loads on first
// use (wallets) have their own snapshots in allot_snapshots, whose seq is
// the gseq of the last event covered: LoadEntity reads one and the events
// after it in one statement, and Compact deletes no event of such a kind
// that its entity's own snapshot does not cover (KeepUncovered), since the
// whole-state snapshots leave those entities out.
package pgstore
