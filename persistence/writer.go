package persistence

import (
	"fmt"
	"runtime"
	"time"
)

// maxWriteChunk bounds one pwrite and so the writer's buffer: a huge batch
// is written in several chunks, then synced once.
const maxWriteChunk = 4 << 20

// writerState belongs to the writer goroutine (and to Close once the
// writer has returned).
type writerState struct {
	f       File // active segment
	path    string
	version uint16 // the active segment's format: 2 ends batches with commit frames
	off     int64  // where the next record goes
	cap     int64  // file size: records never go past it
	records int    // records written to the active segment
	lastSeq uint64
	dirty   bool         // written since the last fdatasync
	wb      *writeBehind // the active segment's hand-overs to the disk (FsyncOS: see handOut)
	buf     []byte
	spare   []pendingRecord // the previous batch's slice, reused
	// taken is the payloads of the batch in hand (Journal.bytes when it
	// was taken); spareBytes the previous batch's, reused unless large.
	taken, spareBytes []byte

	// The batch being written into the active segment and not yet
	// committed (version 2): how many records, their bytes and CRC.
	open      int
	openBytes int64
	openCRC   uint32
	// syncedSeq is the last sequence known on stable storage: an
	// fdatasync that covered it returned. After a failure it bounds what
	// the next start may trust (see failmark.go).
	syncedSeq uint64

	next      chan preparedSegment // the next segment, prepared in the background
	preparing bool
}

type preparedSegment struct {
	f    File
	size int64
	err  error
}

// activate makes f the active segment; lastSeq is its last record's (or
// its first seq - 1 while empty).
func (w *writerState) activate(f File, path string, version uint16, off, size int64, records int, lastSeq uint64) {
	w.f, w.path, w.version, w.off, w.cap, w.records, w.lastSeq, w.dirty = f, path, version, off, size, records, lastSeq, false
	w.wb = newWriteBehind(f, off)
}

// handOutEvery is how many bytes an FsyncOS journal writes between two
// hand-overs to the disk.
const handOutEvery = 4 << 20

// handOut starts the disk's write-out of what an FsyncOS journal wrote
// since the last call, every handOutEvery bytes, without waiting for it.
// Left in the page cache, a whole segment went to the disk at once when
// the rollover synced it, and the writer waited: 46-64 MiB in one
// fdatasync of 12-15 ms, every acknowledgement behind it (perf's block
// events of loadtest -mode restore, whose engine runs FsyncOS). A
// snapshot's closing Sync waited the same way.
func (w *writerState) handOut() {
	if w.wb.pending(w.off) >= handOutEvery {
		w.wb.start(w.off)
	}
}

// commitOverhead is the room a batch needs besides its records.
func (w *writerState) commitOverhead() int64 {
	if w.version == segmentVersion1 {
		return 0
	}
	return commitSize
}

// seal ends the open batch in the active segment with its commit frame
// (version 2; nothing to do in version 1 or without records). flags say
// whether every earlier batch was synced before this one was written.
func (w *writerState) seal(buf []byte, flags uint32) []byte {
	if w.open == 0 || w.version == segmentVersion1 {
		return buf
	}
	buf = appendCommit(buf, commitFrame{flags: flags, last: w.lastSeq, length: uint64(w.openBytes), crc: w.openCRC})
	w.open, w.openBytes, w.openCRC = 0, 0, 0
	return buf
}

// run is the writer goroutine: it takes everything queued, writes it with
// as few pwrites as possible, syncs once, acknowledges, and repeats. Appends
// arriving meanwhile form the next batch, so batches grow with load
// without any timer.
//
// After acknowledging a batch of yieldAfter records or more it yields its
// processor. The acknowledgements made the goroutines waiting for the
// batch runnable, queued on this goroutine's processor; going straight
// into the next write and fdatasync would commit the few records that
// arrived meanwhile and leave those goroutines' next records for the batch
// after. Let them run first, and what they append joins the next batch: in
// `loadtest -mode engine -fsync always` batches grew from 25 records to
// 150, and the throughput by a quarter or more.
func (j *Journal) run() {
	defer j.stop()
	for {
		batch, syncCh, stop := j.take()
		if (len(batch) > 0 || syncCh != nil) && !j.commit(batch, syncCh) {
			return
		}
		if stop {
			j.finish()
			return
		}
		if len(batch) >= yieldAfter {
			runtime.Gosched()
		}
	}
}

// yieldAfter is the smallest batch the writer yields after. A small batch
// released few goroutines, and a yield sends the writer to the back of
// the runtime's global queue: behind goroutines that keep a processor
// busy (a snapshot's encoders) it waited long enough that two callers
// depositing one after another while a snapshot was written made a
// fifth of the deposits they made without the yield (`loadtest -mode
// restore`).
const yieldAfter = 16

// maxSpareBytes is the largest payload buffer a batch hands on to the
// next: a batch of ordinary records is a few hundred kilobytes at most.
const maxSpareBytes = 4 << 20

// take waits for work and swaps out the pending queue. stop means no
// more work will come: the journal is closing or failed.
func (j *Journal) take() (batch []pendingRecord, syncCh chan struct{}, stop bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for len(j.pending) == 0 && j.syncReq == nil && !j.closing && j.fatal == nil {
		j.idle = true
		j.wake.Wait()
	}
	j.idle = false
	batch, j.pending, j.w.spare = j.pending, j.w.spare, nil
	j.w.taken, j.bytes, j.w.spareBytes = j.bytes, j.w.spareBytes, nil
	syncCh, j.syncReq = j.syncReq, nil
	return batch, syncCh, j.closing || j.fatal != nil
}

// commit makes one batch durable and acknowledges it; false means the
// journal failed.
func (j *Journal) commit(batch []pendingRecord, syncCh chan struct{}) bool {
	start := time.Now()
	n, err := j.writeBatch(batch)
	wantSync := syncCh != nil || (j.opts.Fsync == FsyncAlways && len(batch) > 0)
	if err == nil && wantSync && j.w.dirty {
		err = j.syncActive()
	}
	if err != nil {
		j.fail(err, batch)
		if syncCh != nil {
			close(syncCh)
		}
		return false
	}
	if len(batch) > 0 {
		j.acknowledge(batch, time.Since(start), n)
	}
	clear(batch)
	j.w.spare = batch[:0]
	if cap(j.w.taken) <= maxSpareBytes { // a huge record's buffer is not kept for ever
		j.w.spareBytes = j.w.taken[:0]
	}
	j.w.taken = nil
	if syncCh != nil {
		close(syncCh)
	}
	return true
}

// acknowledge publishes a durable batch: metadata, DurableSeq, waiters,
// done callbacks in sequence order, then OnSync.
func (j *Journal) acknowledge(batch []pendingRecord, d time.Duration, bytes int) {
	j.publishActive()
	j.durable.Store(batch[len(batch)-1].seq)
	j.broadcast()
	j.stats.records.Add(uint64(len(batch)))
	j.stats.batches.Add(1)
	for i := range batch {
		if done := batch[i].done; done != nil {
			done(batch[i].seq, nil)
		}
	}
	if j.opts.OnSync != nil {
		j.opts.OnSync(d, len(batch), bytes)
	}
}

// publishActive records the active segment's progress for Replay, Compact
// and FirstSeq.
func (j *Journal) publishActive() {
	j.segMu.Lock()
	s := &j.segs[len(j.segs)-1]
	s.last, s.records, s.end = j.w.lastSeq, j.w.records, j.w.off
	j.segMu.Unlock()
}

// writeBatch encodes and writes the batch, rolling over to a new segment
// whenever the next record (with the batch's commit frame) does not fit
// in the active one. The part of the batch in the segment left behind is
// committed first.
func (j *Journal) writeBatch(batch []pendingRecord) (int, error) {
	w := &j.w
	buf, total := w.buf[:0], 0
	for i := range batch {
		r := &batch[i]
		size := recordSize(len(r.payload))
		if w.off+int64(len(buf))+size+w.commitOverhead() > w.cap {
			buf = w.seal(buf, j.commitFlags())
			if err := j.flush(&buf); err != nil {
				return total, err
			}
			if err := j.makeRoom(size+w.commitOverhead(), r.seq); err != nil {
				return total, err
			}
		} else if len(buf) > 0 && int64(len(buf))+size > maxWriteChunk {
			if err := j.flush(&buf); err != nil {
				return total, err
			}
		}
		start := len(buf)
		buf = appendRecord(buf, r.seq, r.payload)
		if w.version != segmentVersion1 {
			w.open, w.openBytes, w.openCRC = w.open+1, w.openBytes+size, updateCRC(w.openCRC, buf[start:])
		}
		w.records++
		w.lastSeq = r.seq
		total += int(size)
	}
	buf = w.seal(buf, j.commitFlags())
	err := j.flush(&buf)
	if cap(buf) <= 2*maxWriteChunk { // keep the buffer unless one giant record grew it
		w.buf = buf
	} else {
		w.buf = nil
	}
	if !w.preparing && w.off > w.cap/2 {
		j.startPrepare()
	}
	return total, err
}

// flush writes buf at the active segment's end with one pwrite.
func (j *Journal) flush(buf *[]byte) error {
	if len(*buf) == 0 {
		return nil
	}
	w := &j.w
	if _, err := w.f.WriteAt(*buf, w.off); err != nil {
		return fmt.Errorf("persistence: write %s: %w", w.path, err)
	}
	w.off += int64(len(*buf))
	w.dirty = true
	if j.opts.Fsync == FsyncOS {
		w.handOut()
	}
	j.stats.bytes.Add(uint64(len(*buf)))
	*buf = (*buf)[:0]
	return nil
}

// commitFlags are the flags of the commit frames this journal writes.
func (j *Journal) commitFlags() uint32 {
	if j.opts.Fsync == FsyncAlways {
		return commitSynced
	}
	return 0
}

func (j *Journal) syncActive() error {
	if err := j.syncFile(j.w.f, j.w.path); err != nil {
		return err
	}
	j.w.dirty = false
	j.w.syncedSeq = j.w.lastSeq
	j.stats.syncs.Add(1)
	return nil
}

// makeRoom gets space for a record of size bytes starting at seq. An empty
// active segment grows (its name already says seq); otherwise the active
// segment is synced, sealed and replaced by a new one.
func (j *Journal) makeRoom(size int64, seq uint64) error {
	w := &j.w
	if w.records == 0 {
		to := max(j.opts.SegmentSize, w.off+size)
		if err := preallocate(w.f, w.cap, to); err != nil {
			return err
		}
		w.cap = to
		// Synced at once, so that no record ever runs past the end of the
		// file a crash leaves: OpenJournal takes such a frame for damage.
		return j.syncActive()
	}
	if w.dirty {
		if err := j.syncActive(); err != nil {
			return err
		}
	}
	j.publishActive()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("persistence: close %s: %w", w.path, err)
	}
	w.f = nil
	return j.rollover(max(j.opts.SegmentSize, segmentHeaderSize+size), seq)
}

// rollover installs a prepared segment as the active one.
func (j *Journal) rollover(size int64, first uint64) error {
	w := &j.w
	f, fsize, err := j.takePrepared(size)
	if err != nil {
		return err
	}
	path, err := installSegment(j.fs, j.opts.Dir, f, first, j.version, false)
	if err != nil {
		_ = f.Close()
		return err
	}
	w.activate(f, path, j.version, segmentHeaderSize, fsize, 0, first-1)
	j.segMu.Lock()
	j.segs = append(j.segs, segmentMeta{path: path, first: first, last: first - 1, end: segmentHeaderSize})
	j.segMu.Unlock()
	j.stats.rollovers.Add(1)
	return nil
}

// startPrepare preallocates the next segment in the background, once the
// active one is half full, so that a rollover rarely waits for it.
func (j *Journal) startPrepare() {
	j.w.preparing = true
	fsys, dir, size, next := j.fs, j.opts.Dir, j.opts.SegmentSize, j.w.next
	go func() {
		f, err := prepareSegment(fsys, dir, size)
		next <- preparedSegment{f: f, size: size, err: err}
	}()
}

func (j *Journal) takePrepared(size int64) (File, int64, error) {
	if !j.w.preparing {
		j.startPrepare()
	}
	p := <-j.w.next
	j.w.preparing = false
	if p.err != nil {
		return nil, 0, p.err
	}
	if p.size < size { // a record bigger than a segment
		if err := preallocate(p.f, p.size, size); err != nil {
			_ = p.f.Close()
			return nil, 0, err
		}
		p.size = size
	}
	return p.f, p.size, nil
}

// finish makes everything written durable before Close, in both modes.
func (j *Journal) finish() {
	if j.fatalErr() == nil && j.w.dirty {
		if err := j.syncActive(); err != nil {
			j.fail(err, nil)
		}
	}
}

// fail stops the journal for good after a write or sync error. The sync
// is never retried: after a failed fdatasync the kernel may have dropped
// the dirty pages, so a later success would prove nothing. Every record
// not yet acknowledged fails with the error.
func (j *Journal) fail(cause error, batch []pendingRecord) {
	err := wrap(cause, "journal failed")
	j.mu.Lock()
	j.fatal = err
	rest, syncCh := j.pending, j.syncReq
	j.pending, j.syncReq = nil, nil
	j.mu.Unlock()
	j.markFailed()
	j.broadcast()
	for _, list := range [][]pendingRecord{batch, rest} {
		for i := range list {
			if done := list[i].done; done != nil {
				done(list[i].seq, err)
			}
		}
	}
	if syncCh != nil {
		close(syncCh)
	}
	j.log.Error("persistence: journal failed; no further records are accepted", "err", cause)
}

// stop marks the writer gone and wakes WaitDurable callers. OnFatal runs
// last, once the writer is done with the files, so that it may call Close.
func (j *Journal) stop() {
	j.stopped.Store(true)
	j.broadcast()
	close(j.done)
	if err := j.fatalErr(); err != nil && j.opts.OnFatal != nil {
		j.opts.OnFatal(err)
	}
}
