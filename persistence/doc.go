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
// What survives a crash depends on the crash. kill -9 of the process
// keeps everything written (the page cache outlives the process), so in
// both modes every acknowledged record survives it. A power cut or an OS
// crash keeps what was synced, plus any subset of the pages (or 512-byte
// sectors) written since, in any order: in FsyncAlways mode every
// acknowledged record survives it; in FsyncOS mode records acknowledged
// since the last sync (a rollover, Sync, Close) may be lost, which the
// next start reports as an acknowledged Loss when the disk shows it. In
// neither mode is a start after a power cut refused when only unsynced
// bytes were hit (in version 2 segments), nor a byte accepted that was not
// written as part of a complete batch (see "Unfinished batches and
// corruption"). `loadtest -mode powerloss` checks all of this on a
// simulated disk (package simdisk).
//
// A failed write or fdatasync is fatal and never retried (after a failed
// fdatasync the kernel may already have dropped the dirty pages, so a retry
// that succeeds proves nothing): every unacknowledged record fails, every
// later Append is refused, OnFatal is called once, and the process is
// expected to restart and recover from what is on disk. Before any done
// callback learns of the failure, the journal writes a "FAILED" file (a
// failure mark) holding the last acknowledged sequence and the last one an
// fdatasync covered. The next OpenJournal sets aside every record after the
// acknowledged one, so a record whose done failed is not replayed as if it
// had been acknowledged, and refuses to start (a *CorruptError) if the disk
// lacks a record an fdatasync had covered.
//
// What a restart in the same boot can know: after a failed fdatasync,
// Linux marks the pages it could not write clean while they still hold the
// new bytes, so reads show records the disk never got; a later successful
// fdatasync does not write them, and they vanish when the cache does,
// leaving a hole under records acknowledged since. So OpenJournal first
// drops the newest segments' clean pages from the cache
// (posix_fadvise(POSIX_FADV_DONTNEED); dirty pages stay, so what a kill -9
// left unsynced is still read) and judges what the disk holds, and it
// syncs the last segment before appending after it. With the mark, nothing
// unacknowledged is kept whatever the disk holds. Without it (its write
// failed too, on a dying disk), a failed batch that the disk did get whole
// is indistinguishable from one that succeeded and is replayed; nothing
// acknowledged is lost either way. Records acknowledged in FsyncOS mode
// before the failed sync are kept if the disk has them, else reported as
// an acknowledged Loss.
//
// # Journal format
//
// A journal is a directory of segment files named "%016x.wal" after the
// sequence of their first record, so names sort in sequence order, plus a
// LOCK file and, at times, "next.wal.tmp", the next segment being
// preallocated, "FAILED" (see above) and "*.broken" copies of what an
// open or a repair set aside. OpenJournal removes what a crash left half
// made: next.wal.tmp, FAILED.tmp and "*.broken.tmp". A writer holds an flock on
// the directory itself (deleting LOCK lets no second writer in) and one on
// LOCK. All integers are little-endian; every CRC is CRC-32C (Castagnoli).
//
// Segment header, 32 bytes:
//
//	offset size field
//	     0    8 magic "ALLOTWAL"
//	     8    2 format version: 2 (1 in segments written before it)
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
// In version 2 every batch the writer wrote into a segment (both parts of
// a batch that a rollover split) ends with a 32-byte commit frame:
//
//	offset size field
//	     0    4 marker "ACMT" (0x544d4341, above any payload length)
//	     4    4 flags: bit 0 set when the writer syncs every batch before
//	            writing the next (FsyncAlways); other bits zero
//	     8    8 sequence of the batch's last record
//	    16    8 length in bytes of the batch's records (up to this frame)
//	    24    4 CRC of those bytes
//	    28    4 CRC of bytes 0..27 of this frame
//
// A record counts only once the commit frame of its batch holds and its
// CRC covers the batch. Segments are preallocated with zeros, so a zero
// length, or the end of the file, marks the end of a segment's data. A new
// segment is created only when the next record (and a commit frame) does
// not fit in the active one (a record larger than a segment gets a
// segment of its own size); the previous one
// is synced first, and the new one's header is synced before the file gets
// its name, so every "*.wal" file has a valid header. The failure mark is
// 40 bytes: magic "ALLOTFLD", version 1 (2 bytes), 6 reserved, the last
// acknowledged sequence, the last synced sequence (8 bytes each), the CRC
// of bytes 0..31 and 4 reserved.
//
// # Unfinished batches and corruption
//
// OpenJournal checks every record of every segment: header, length bound,
// CRC, sequence continuity within and across segments, and in version 2
// every commit frame. What follows the last complete batch of the LAST
// segment is an unfinished batch, set aside, when it looks like a write
// that did not finish: a disk that lost sectors of it shows zeros where
// its data should be, so the first frame that fails must overlap a 512-byte
// sector that is all zeros (from the end of the previous batch on), or be
// followed by nothing at all (the write stopped between two frames); when
// the batch's own commit frame survived, it bounds where the batch can
// reach, so a damaged length cannot point into the zeros beyond. Complete
// batches after it are allowed only if their commit frames say FsyncOS: a
// power cut may keep later pages and lose earlier ones of what was never
// synced; a batch written in FsyncAlways mode after it proves the bytes
// before were synced, hence damaged, not unfinished. The bytes set aside
// are copied to "<segment>.broken" (".broken.N" if taken), then zeroed and
// synced, logged (Warn; Error when they hold FsyncOS batches, which may
// have been acknowledged: a complete batch after the damage, or the
// damaged batch's own FsyncOS commit frame) and reported by
// Journal.Losses (Acknowledged set in that case). Non-zero garbage inside
// what a complete commit frame covers, a bad record in an earlier segment,
// a bad header, a gap between segments, or a hole before synced batches is
// corruption: OpenJournal fails with a *CorruptError naming the file and
// the offset of the first bad frame, changing nothing, and the operator
// runs `allot snapshot repair` (RepairJournal), which sets the damaged
// part aside as ".broken" files instead of guessing, keeping every record
// whose sequence the newest snapshot and the kept records before it
// account for (damage among records the snapshot holds costs nothing).
//
// A frame whose length would run past the end of its file is damage too:
// segments are preallocated, and an empty one that must grow is synced at
// once. What the rule cannot tell apart: damage that zeroes a whole sector
// of the final batch (or exactly its commit frame) looks like a power cut
// and is set aside as unacknowledged, and so does other damage to the
// final batch next to a payload that holds a 512-byte-aligned run of
// zeros, or a flipped byte that turns the final commit marker into a
// length still inside the segment, reaching into its zeroed space. The
// first needs a disk that loses writes it had acknowledged; the others,
// damage that lands just so.
//
// Version 1 segments (no commit frames) are still read, with version 1's
// rule: bytes after the last valid record of the last segment are a torn
// tail unless a valid record with a later sequence follows them; they are
// set aside like an unfinished batch. A power cut that kept a later page
// of a version 1 batch but not an earlier one therefore still refuses to
// start. OpenJournal never writes version 1: when the last segment is
// version 1 it is synced and closed, and a version 2 segment starts after
// its last record (replacing it when it holds none).
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
// Both formats carry a version. Every version described here will be
// decoded by every later release: testdata/persistence/v1 keeps a version
// 1 journal and a snapshot, with torn and corrupt copies, and
// testdata/persistence/v2 version 2 journals (whole, torn by a power cut,
// corrupt in its last batch, and an FsyncOS journal that lost a sector
// before complete batches), that the tests decode byte for byte. A format
// change gets a new version number and its own fixtures; reserved fields
// and flag bits stay zero.
package persistence
