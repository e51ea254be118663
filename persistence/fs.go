package persistence

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// FS is the file layer under a journal: what OpenJournal, the writer,
// Replay and Compact do to files goes through it, so that a simulated disk
// (package simdisk) can stand in for the operating system and cut the
// power between any two of these calls. Its methods behave like the os
// functions of the same name, with these contracts:
//
//   - A rename, removal or new file is durable only once SyncDir of its
//     directory returned; MkdirAll makes what it creates durable itself.
//   - Lock takes the journal directory for one writer; the holder's death
//     releases it.
//   - Errors wrap fs.ErrNotExist where os would.
//
// Implementations must be safe for concurrent use: the writer prepares the
// next segment in the background.
type FS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Stat(name string) (fs.FileInfo, error)
	ReadDir(dir string) ([]fs.DirEntry, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	MkdirAll(dir string, perm fs.FileMode) error
	SyncDir(dir string) error
	Lock(dir string) (io.Closer, error)
}

// File is an open file of an FS; *os.File is one. Sync makes the file's
// data durable (the journal calls fdatasync instead when the file has a
// descriptor, see fdatasync). Optional capabilities, found by type
// assertion: Fd() uintptr (fallocate, fdatasync and posix_fadvise on the
// real descriptor) and DropCache() error (a simulated page cache).
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
	Name() string
	Stat() (fs.FileInfo, error)
	Sync() error
}

// osFS is the operating system: the default FS.
type osFS struct{}

var _ FS = osFS{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err // a nil *os.File in a File would not be nil
	}
	return f, nil
}

func (osFS) Stat(name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func (osFS) ReadDir(dir string) ([]fs.DirEntry, error) { return os.ReadDir(dir) }
func (osFS) Rename(oldpath, newpath string) error      { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                  { return os.Remove(name) }
func (osFS) MkdirAll(dir string, perm fs.FileMode) error {
	return mkdirAllSync(dir, perm)
}
func (osFS) SyncDir(dir string) error { return SyncDir(dir) }
func (osFS) Lock(dir string) (io.Closer, error) {
	l, err := lockDir(dir)
	if err != nil {
		return nil, err // keep the interface nil
	}
	return l, nil
}

// fdFile is a file with a real descriptor.
type fdFile interface{ Fd() uintptr }

// fdatasync flushes f's data (and the metadata needed to read it back):
// fdatasync(2) on a real descriptor, Sync otherwise. path names the file
// in the error, as f.Name() goes stale after a rename.
func fdatasync(f File, path string) error {
	var err error
	if d, ok := f.(fdFile); ok {
		err = syscall.Fdatasync(int(d.Fd()))
	} else {
		err = f.Sync()
	}
	if err != nil {
		return fmt.Errorf("persistence: fdatasync %s: %w", path, err)
	}
	return nil
}

// dropCache evicts f's clean pages from the page cache, so that the next
// read shows what the disk holds. After a failed fdatasync Linux marks the
// pages it could not write clean while they still hold the new bytes: a
// restart in the same boot would read records that never reached the disk.
// Dirty pages stay (their writeback starts), so data written but not yet
// synced, which a kill -9 must not lose, is still read back.
func dropCache(f File) error {
	switch d := f.(type) {
	case interface{ DropCache() error }:
		return d.DropCache()
	case fdFile:
		if err := unix.Fadvise(int(d.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
			return fmt.Errorf("persistence: drop cached pages of %s: %w", f.Name(), err)
		}
	}
	return nil
}

// openFileSize returns the size of an open file.
func openFileSize(f File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("persistence: %w", err)
	}
	return st.Size(), nil
}

// readFileFS reads the first n bytes of path (all of it when n < 0) into
// buf, growing it as needed. A file shorter than n is read whole.
func readFileFS(fsys FS, path string, n int64, buf []byte) ([]byte, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return buf, fmt.Errorf("persistence: %w", err)
	}
	defer f.Close()
	size, err := openFileSize(f)
	if err != nil {
		return buf, err
	}
	if n < 0 || n > size {
		n = size
	}
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := f.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		return buf, fmt.Errorf("persistence: read %s: %w", path, err)
	}
	return buf, nil
}

// writeFileFS replaces path with data the way WriteFileAtomic does (a
// temporary file, synced, renamed, the directory synced), through fsys.
func writeFileFS(fsys FS, path string, data []byte) (err error) {
	tmp := path + ".tmp"
	f, err := fsys.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return fmt.Errorf("persistence: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close() // may already be closed; err is what matters
			_ = fsys.Remove(tmp)
		}
	}()
	if _, err = f.WriteAt(data, 0); err != nil {
		return fmt.Errorf("persistence: write %s: %w", path, err)
	}
	if err = fdatasync(f, tmp); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("persistence: close %s: %w", tmp, err)
	}
	if err = fsys.Rename(tmp, path); err != nil {
		return fmt.Errorf("persistence: rename %s: %w", tmp, err)
	}
	return fsys.SyncDir(filepath.Dir(path))
}

// brokenPathFS is brokenPath through fsys: "<path>.broken", or
// "<path>.broken.N" for the first free N, so that setting something aside
// never overwrites earlier evidence.
func brokenPathFS(fsys FS, path string) (string, error) {
	p := path + ".broken"
	for n := 1; ; n++ {
		_, err := fsys.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("persistence: %w", err)
		}
		p = fmt.Sprintf("%s.broken.%d", path, n)
	}
}
