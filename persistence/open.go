package persistence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// cachedSegments is how many of the newest segments OpenJournal reads past
// the page cache: a failed fdatasync concerns the active segment, or the
// one before it when a rollover's sync failed.
const cachedSegments = 2

// load scans the directory and makes the last segment the active one.
func (j *Journal) load() error {
	dir := j.opts.Dir
	if err := j.removeLeftovers(); err != nil {
		return err
	}
	// A crash between a rename and the directory's sync (a segment being
	// installed) leaves a name this process sees but a power cut could
	// still undo: records appended to that segment would go with it.
	if err := j.fs.SyncDir(dir); err != nil {
		return err
	}
	mark, err := readFailMark(j.fs, dir)
	if err != nil {
		return err
	}
	scans, err := j.scanDisk(mark != nil)
	if err != nil {
		return err
	}
	if mark != nil {
		if scans, err = j.applyFailMark(*mark, scans); err != nil {
			return err
		}
	}
	v := judge(scans)
	if v.err != nil {
		return fmt.Errorf("%w; take a copy of %s, then run `allot snapshot repair` to set the damaged records aside",
			v.err, dir)
	}
	if len(scans) == 0 {
		err = j.createFirst()
	} else {
		err = j.activateLast(scans, v)
	}
	if err != nil || mark == nil {
		return err
	}
	return removeFailMark(j.fs, dir)
}

// removeLeftovers removes what a crash can leave half made: the next
// segment being prepared, and the temporary files of a ".broken" copy or
// of a failure mark that never got their names (the bytes of the first
// are still in their segment; the second recorded nothing).
func (j *Journal) removeLeftovers() error {
	ents, err := j.fs.ReadDir(j.opts.Dir)
	if err != nil {
		return fmt.Errorf("persistence: open journal: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if name != nextSegmentName && name != failMarkName+".tmp" && !strings.HasSuffix(name, ".broken.tmp") {
			continue
		}
		if err := j.fs.Remove(filepath.Join(j.opts.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("persistence: open journal: %w", err)
		}
	}
	return nil
}

// scanDisk lists and scans the segments. The newest ones (all of them
// after a failure) are first dropped from the page cache, so that what is
// read is what the disk holds: after a failed fdatasync the cache may
// still show bytes the disk never got (see dropCache).
func (j *Journal) scanDisk(all bool) ([]segmentScan, error) {
	files, err := listSegmentsFS(j.fs, j.opts.Dir)
	if err != nil {
		return nil, err
	}
	from := 0
	if !all {
		from = max(0, len(files)-cachedSegments)
	}
	for _, f := range files[from:] {
		if err := j.dropCached(f.path); err != nil {
			return nil, err
		}
	}
	scans := make([]segmentScan, 0, len(files))
	var buf []byte
	for _, f := range files {
		if buf, err = readFileFS(j.fs, f.path, -1, buf); err != nil {
			return nil, err
		}
		scans = append(scans, scanSegment(f.path, f.first, buf))
	}
	return scans, nil
}

func (j *Journal) dropCached(path string) error {
	f, err := j.fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("persistence: open journal: %w", err)
	}
	err = dropCache(f)
	return errors.Join(err, f.Close())
}

func (j *Journal) createFirst() error {
	f, err := prepareSegment(j.fs, j.opts.Dir, j.opts.SegmentSize)
	if err != nil {
		return err
	}
	first := j.opts.FirstSeq
	path, err := installSegment(j.fs, j.opts.Dir, f, first, j.version, false)
	if err != nil {
		_ = f.Close()
		return err
	}
	j.segs = []segmentMeta{{path: path, first: first, last: first - 1, end: segmentHeaderSize}}
	j.w.activate(f, path, j.version, segmentHeaderSize, j.opts.SegmentSize, 0, first-1)
	j.w.syncedSeq = first - 1
	j.setLast(first - 1)
	return nil
}

// activateLast opens the last segment for appending. A torn tail is set
// aside first; then the segment is synced, so that every batch this
// journal writes in FsyncAlways mode follows bytes already on stable
// storage (what its commit frames claim). A last segment in another
// format version is closed and a new one started.
func (j *Journal) activateLast(scans []segmentScan, v verdict) error {
	for _, s := range scans {
		j.segs = append(j.segs, segmentMeta{path: s.path, first: s.first, last: s.last, records: s.records, end: s.end})
	}
	last := scans[len(scans)-1]
	f, err := j.fs.OpenFile(last.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("persistence: open journal: %w", err)
	}
	j.w.activate(f, last.path, last.version, last.end, last.size, last.records, last.last)
	if v.torn {
		if err := j.setAsideTail(last, v.acked); err != nil {
			return err
		}
	}
	if err := fdatasync(f, last.path); err != nil {
		return err
	}
	j.w.syncedSeq = last.last
	j.setLast(last.last)
	if last.version != j.version {
		return j.startSegment(last)
	}
	return nil
}

// setAsideTail copies the bytes after the last complete batch (version 1:
// record) of the active segment to a ".broken" file, then zeroes and syncs
// them, so that nothing is dropped unseen and no stale byte can later
// pass for part of a new batch.
func (j *Journal) setAsideTail(s segmentScan, acked bool) error {
	broken, n, err := j.copyAside(s.path, s.end, s.dataEnd)
	if err != nil {
		return err
	}
	if err := writeZeros(j.w.f, s.end, s.dataEnd); err != nil {
		return err
	}
	if err := fdatasync(j.w.f, s.path); err != nil {
		return err
	}
	what, level := "journal batch", slog.LevelWarn
	if s.version == segmentVersion1 {
		what = "journal tail"
	}
	if acked {
		level = slog.LevelError
	}
	j.log.Log(context.Background(), level, "persistence: set aside the torn tail of the journal (an unfinished write)", "file", s.path,
		"offset", s.end, "bytes", n, "reason", s.reason(), "last_seq", s.last, "copy", broken, "acknowledged", acked)
	j.losses = append(j.losses, Loss{What: what, File: broken, Offset: s.end, Bytes: n, Acknowledged: acked})
	return nil
}

// copyAside writes bytes [from, to) of path to a new ".broken" file and
// returns its name and size.
func (j *Journal) copyAside(path string, from, to int64) (string, int64, error) {
	data, err := readFileFS(j.fs, path, to, nil)
	if err != nil {
		return "", 0, err
	}
	broken, err := brokenPathFS(j.fs, path)
	if err != nil {
		return "", 0, err
	}
	tail := data[min(from, int64(len(data))):]
	if err := writeFileFS(j.fs, broken, tail); err != nil {
		return "", 0, err
	}
	return broken, int64(len(tail)), nil
}

// startSegment closes the active segment, written in another format
// version (a journal written by an older release), and starts a new one in
// the current version after its last record. An empty one is replaced: the
// new segment has the same name, and nothing is lost.
func (j *Journal) startSegment(last segmentScan) error {
	f, err := prepareSegment(j.fs, j.opts.Dir, j.opts.SegmentSize)
	if err != nil {
		return err
	}
	replace := last.records == 0
	path, err := installSegment(j.fs, j.opts.Dir, f, last.last+1, j.version, replace)
	if err != nil {
		_ = f.Close()
		return err
	}
	if err := j.w.f.Close(); err != nil {
		_ = f.Close()
		return fmt.Errorf("persistence: close %s: %w", last.path, err)
	}
	meta := segmentMeta{path: path, first: last.last + 1, last: last.last, end: segmentHeaderSize}
	if replace {
		j.segs[len(j.segs)-1] = meta
	} else {
		j.segs = append(j.segs, meta)
	}
	j.w.activate(f, path, j.version, segmentHeaderSize, j.opts.SegmentSize, 0, last.last)
	j.log.Info("persistence: journal segments are now written in format version 2", "file", path,
		"previous", last.path, "previous_version", last.version)
	return nil
}
