package persistence

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// Replay calls fn, in sequence order, for every durable record with a
// sequence above after. It is meant for recovery, before normal appends
// start; records appended while it runs are included only if they were
// durable when it began. payload is valid only during fn (it aliases a
// reused buffer): copy what must outlive the call. An error from fn stops
// the replay and is returned wrapped. Records are CRC-checked again, so
// damage since OpenJournal is reported as a *CorruptError.
func (j *Journal) Replay(after uint64, fn func(seq uint64, payload []byte) error) error {
	j.compactMu.Lock()
	defer j.compactMu.Unlock()
	if err := j.Err(); err != nil {
		return err
	}
	upTo := j.durable.Load() // loaded before the metadata, which is never behind it
	var buf []byte
	for _, s := range j.segments() {
		if s.records == 0 || s.last <= after {
			continue
		}
		if s.first > upTo {
			break
		}
		var err error
		if buf, err = readFileFS(j.fs, s.path, s.end, buf); err != nil {
			return err
		}
		if err := replaySegment(s, buf, after, upTo, fn); err != nil {
			return err
		}
	}
	return nil
}

// replaySegment decodes data (the segment up to its last written record),
// passing over commit frames: OpenJournal checked them, and the batches
// written since are whole by the time DurableSeq covers them.
func replaySegment(s segmentMeta, data []byte, after, upTo uint64, fn func(uint64, []byte) error) error {
	if first, bad := decodeSegmentHeader(data); bad != "" || first != s.first {
		return corruptf(s.path, 0, "segment header changed since open")
	}
	v2 := segmentHeaderVersion(data) != segmentVersion1
	for off, expect := segmentHeaderSize, s.first; off < len(data) && expect <= upTo; expect++ {
		for v2 && isCommit(data[off:]) && off+commitSize <= len(data) {
			off += commitSize
		}
		if off >= len(data) {
			break
		}
		seq, payload, n, st := decodeRecord(data[off:])
		if st != recOK || seq != expect {
			return corruptf(s.path, int64(off), "replay: %s at seq %d", st, expect)
		}
		if seq > after {
			if err := fn(seq, payload); err != nil {
				return fmt.Errorf("persistence: replay seq %d: %w", seq, err)
			}
		}
		off += n
	}
	return nil
}

// segments returns a copy of the segment list.
func (j *Journal) segments() []segmentMeta {
	j.segMu.Lock()
	defer j.segMu.Unlock()
	return slices.Clone(j.segs)
}

// FirstSeq is the first sequence still on disk (it moves up after Compact),
// or 0 when the journal holds no durable record.
func (j *Journal) FirstSeq() uint64 {
	first := j.baseSeq()
	if j.durable.Load() >= first {
		return first
	}
	return 0
}

// baseSeq is the first sequence the oldest segment starts at, even when no
// record is in it yet: the first record the journal can replay.
func (j *Journal) baseSeq() uint64 {
	j.segMu.Lock()
	defer j.segMu.Unlock()
	return j.segs[0].first
}

// Compact removes whole segments whose every record has a sequence up to
// upTo, typically the oldest snapshot kept. The active segment is never
// removed, nor a record that is not yet durable, so the journal always
// knows where it ends.
func (j *Journal) Compact(upTo uint64) error {
	j.compactMu.Lock()
	defer j.compactMu.Unlock()
	if err := j.Err(); err != nil {
		return err
	}
	upTo = min(upTo, j.durable.Load())
	j.segMu.Lock()
	n := 0
	for n < len(j.segs)-1 && j.segs[n].last <= upTo {
		n++
	}
	victims := slices.Clone(j.segs[:n])
	j.segMu.Unlock()
	removed := 0
	var err error
	for _, v := range victims {
		if e := j.fs.Remove(v.path); e != nil && !errors.Is(e, fs.ErrNotExist) {
			err = fmt.Errorf("persistence: compact: %w", e)
			break
		}
		removed++
	}
	if removed == 0 {
		return err
	}
	j.segMu.Lock()
	j.segs = slices.Clone(j.segs[removed:])
	j.segMu.Unlock()
	return errors.Join(err, j.fs.SyncDir(j.opts.Dir))
}
