// Package persistence makes the service's state survive crashes: an
// append-only journal (write-ahead log) of opaque records numbered by a
// sequence, snapshots of the whole state, recovery from both, and one
// atomic file-write helper. It knows bytes and sequence numbers only; what
// a payload means belongs to its callers.
//
// # Durability contract
//
// A record is acknowledged (its done callback runs, DurableSeq moves past
// it, OnSync fires) only once it is durable: in FsyncAlways mode after the
// fdatasync of the batch holding it, so it survives power loss; in FsyncOS
// mode after write(), so it survives kill -9 of the process but not power
// loss or an OS crash. Records are acknowledged in sequence order, and
// sequence order is file order, so "seq N is durable" implies "every seq
// below N is". One writer goroutine takes everything queued, writes it,
// and syncs once (group commit); appends arriving meanwhile form the next
// batch, so no timer is needed and batches grow with load.
//
// A failed write or fdatasync is fatal and never retried (after a failed
// fdatasync the kernel may already have dropped the dirty pages, so a retry
// that succeeds proves nothing): every unacknowledged record fails, every
// later Append is refused, OnFatal is called once, and the process is
// expected to restart and recover from what is on disk.
//
// # Journal format, version 1
//
// A journal is a directory of segment files named "%016x.wal" after the
// sequence of their first record, so names sort in sequence order, plus a
// LOCK file (flock) and, at times, "next.wal.tmp", the next segment being
// preallocated (removed on open). All integers are little-endian; every
// CRC is CRC-32C (Castagnoli).
//
// Segment header, 32 bytes:
//
//	offset size field
//	     0    8 magic "ALLOTWAL"
//	     8    2 format version, 1
//	    10    6 reserved, zero
//	    16    8 sequence of the segment's first record (>= 1)
//	    24    4 CRC of bytes 0..23
//	    28    4 reserved, zero
//
// Records follow from offset 32, back to back:
//
//	offset size field
//	     0    4 payload length n, 1..MaxPayloadSize (64 MiB)
//	     4    4 CRC of the 8 sequence bytes followed by the payload
//	     8    8 sequence: the previous record's + 1 (the first: the header's)
//	    16    n payload
//
// Segments are preallocated with zeros, so a zero length, or the end of
// the file, marks the end of a segment's data. A new segment is created
// only when the next record does not fit in the active one (a record
// larger than a segment gets a segment of its own size); the previous one
// is synced first, and the new one's header is synced before the file gets
// its name, so every "*.wal" file has a valid header.
//
// # Torn tails and corruption
//
// OpenJournal checks every record of every segment: header, length bound,
// CRC, and sequence continuity within and across segments. When the bytes
// after the last valid record of the LAST segment are not all zero, it
// searches them for any frame with a valid CRC and a sequence the journal
// would lose. If there is none, the bytes are a torn tail, a write cut
// short by a crash and never acknowledged: they are zeroed, synced, and
// logged at Warn with file, offset and size. Anything else (a bad record
// in an earlier segment, a valid record after a bad one, a bad header, a
// gap between segments) is corruption: OpenJournal fails with a
// *CorruptError naming the file and offset, and the operator runs
// `allot snapshot repair` (RepairJournal), which sets the damaged part
// aside as ".broken" files instead of guessing. After a power loss in the
// middle of a batch the disk may have kept later pages of that batch but
// not earlier ones; this looks like corruption and also needs the repair,
// although no acknowledged record was lost.
//
// # Snapshot format, version 1
//
// A snapshot is a file "%016x.snap" named after the journal sequence it
// covers: a 40-byte header, then the payload.
//
//	offset size field
//	     0    8 magic "ALLOTSNP"
//	     8    2 format version, 1
//	    10    6 reserved, zero
//	    16    8 journal sequence covered
//	    24    8 payload length n (the file is exactly 40 + n bytes)
//	    32    4 CRC of the payload
//	    36    4 CRC of bytes 0..35
//	    40    n payload
//
// The payload is streamed into a temporary file in the same directory
// after a blank header; the header is filled in at the end (once length
// and CRC are known), the file synced, closed and renamed into place, and
// the directory synced. A snapshot that fails any check is renamed to
// "<name>.broken" and the next older one is used.
//
// # Versioning
//
// Both formats carry a version. Version 1, as described here, will be
// decoded by every later release: testdata/persistence/v1 keeps a journal
// and a snapshot, with torn and corrupt copies, that the tests decode byte
// for byte. A format change gets a new version number and its own
// fixtures; reserved fields stay zero in version 1.
package persistence
