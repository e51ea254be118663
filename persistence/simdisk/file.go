package simdisk

import (
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// File is an open file of a Mount: a persistence.File with DropCache.
type File struct {
	m     *Mount
	ino   *inode
	name  string
	write bool
}

// Name is the name the file was opened by.
func (f *File) Name() string { return f.name }

// ReadAt reads from the page cache.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if err := f.m.lock("read", f.name); err != nil {
		return 0, err
	}
	defer f.m.d.mu.Unlock()
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: syscall.EINVAL}
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// WriteAt writes into the page cache.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if err := f.m.step("write", f.name); err != nil {
		return 0, err
	}
	defer f.m.d.mu.Unlock()
	if !f.write || off < 0 {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: syscall.EBADF}
	}
	f.ino.write(p, off)
	return len(p), nil
}

// Sync is fdatasync: the file's dirty sectors and size reach the disk, or,
// when Faults.Sync fails it, some of them do and all are marked clean.
func (f *File) Sync() error {
	f.m.d.mu.Lock()
	latency := f.m.d.latency
	f.m.d.mu.Unlock()
	for start := time.Now(); time.Since(start) < latency; {
		runtime.Gosched() // a sleep would last 50 µs at least
	}
	if err := f.m.step("sync", f.name); err != nil {
		return err
	}
	defer f.m.d.mu.Unlock()
	if fault := f.m.d.faults.Sync; fault != nil {
		if err := fault(f.name); err != nil {
			f.ino.failSync(f.name, f.m.d.faults.SyncKeep)
			return &fs.PathError{Op: "sync", Path: f.name, Err: err}
		}
	}
	f.ino.sync()
	return nil
}

// DropCache is posix_fadvise(POSIX_FADV_DONTNEED): clean sectors are
// forgotten, so that the next read shows what the disk holds.
func (f *File) DropCache() error {
	if err := f.m.lock("fadvise", f.name); err != nil {
		return err
	}
	defer f.m.d.mu.Unlock()
	f.ino.dropCache()
	return nil
}

// Stat describes the file.
func (f *File) Stat() (fs.FileInfo, error) {
	if err := f.m.lock("stat", f.name); err != nil {
		return nil, err
	}
	defer f.m.d.mu.Unlock()
	return fileInfo{name: filepath.Base(f.name), size: int64(len(f.ino.data))}, nil
}

// Close releases nothing: a simulated file holds no resource. It fails
// only on a dead mount, as a process that is gone cannot close anything.
func (f *File) Close() error {
	if err := f.m.lock("close", f.name); err != nil {
		return err
	}
	f.m.d.mu.Unlock()
	return nil
}
