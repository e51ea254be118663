package persistence

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// writeBehind hands a file's written bytes to the disk a range at a time
// as they are written, so that its final fdatasync finds little left to
// write. The journal's own fdatasync calls, which every acknowledgement
// waits for, queue at the disk behind whatever another file sends it at
// once: a snapshot left whole in the page cache until its fsync stalled
// them 25-30 ms, a next segment's 64 MiB of zeros 10-17 ms (perf's block
// events of loadtest -mode restore: sixteen 4 MiB writes ahead of them).
//
// Each range is handed over with sync_file_range: its write-out is
// started, not waited for, and the range before it is waited for, so at
// most two ranges are on their way to the disk at a time. Unlike fdatasync
// this commits nothing of the file system's own journal (an fdatasync per
// 4 MiB made ext4 commit its journal each time, and deposits stalled for
// 8-25 ms behind each commit).
type writeBehind struct {
	fd       int // -1 once the file cannot be handed over this way
	name     string
	started  int64 // where the bytes not yet handed over begin
	waitFrom int64 // where the range handed over but not yet waited for begins
}

// newWriteBehind starts handing f over from offset from. A file without a
// descriptor (a test's fake) is never handed over.
func newWriteBehind(f interface{ Name() string }, from int64) *writeBehind {
	w := &writeBehind{fd: -1, name: f.Name(), started: from, waitFrom: from}
	if d, ok := f.(fdFile); ok {
		w.fd = int(d.Fd())
	}
	return w
}

// pending is how many bytes were written but not handed over, up to to.
func (w *writeBehind) pending(to int64) int64 { return to - w.started }

// handOver starts the write-out of the bytes written up to offset to and
// waits for the range handed over before. It reports false, and no error,
// when the file cannot be handed over (no descriptor, or a file system or
// kernel without sync_file_range): the caller falls back to fdatasync.
func (w *writeBehind) handOver(to int64) (bool, error) {
	if w.fd < 0 {
		w.waitFrom, w.started = to, to
		return false, nil
	}
	err := unix.SyncFileRange(w.fd, w.started, to-w.started, unix.SYNC_FILE_RANGE_WRITE)
	if err == nil && w.waitFrom < w.started {
		err = unix.SyncFileRange(w.fd, w.waitFrom, w.started-w.waitFrom,
			unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	}
	switch {
	case err == nil:
		w.waitFrom, w.started = w.started, to
		return true, nil
	case unsupported(err):
		w.fd = -1
		w.waitFrom, w.started = to, to
		return false, nil
	default:
		return false, fmt.Errorf("persistence: sync_file_range %s: %w", w.name, err)
	}
}

// unsupported reports a sync_file_range refused by the kernel or the file
// system rather than failed.
func unsupported(err error) bool {
	return errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ESPIPE)
}

// start starts the write-out of the bytes written up to offset to and
// returns without waiting for it, for a writer whose acknowledgements
// never wait for the disk (an FsyncOS journal). It reports false when the
// file cannot be handed over, and then stops trying. Any other error is
// left to the fdatasync that makes the bytes durable: Linux keeps a
// write-out's error on the file for its next sync.
func (w *writeBehind) start(to int64) bool {
	if w.fd >= 0 {
		if err := unix.SyncFileRange(w.fd, w.started, to-w.started, unix.SYNC_FILE_RANGE_WRITE); err != nil && unsupported(err) {
			w.fd = -1
		}
	}
	w.waitFrom, w.started = to, to
	return w.fd >= 0
}
