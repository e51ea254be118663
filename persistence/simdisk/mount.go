package simdisk

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"allot/persistence"
)

// Mount is one process's view of a Disk: the persistence.FS a journal
// works through. It dies with a cut or a kill of its disk.
type Mount struct {
	d   *Disk
	gen uint64
}

var _ persistence.FS = (*Mount)(nil)

// Alive reports whether the mount survives: no cut or kill since Mount.
func (m *Mount) Alive() bool {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	return m.gen == m.d.gen
}

// lock takes the disk's lock and fails when the mount is dead.
func (m *Mount) lock(op, name string) error {
	m.d.mu.Lock()
	if m.gen != m.d.gen {
		m.d.mu.Unlock()
		return &fs.PathError{Op: op, Path: name, Err: ErrPowerOff}
	}
	return nil
}

// step is lock for a mutating call, which a scheduled cut may stop.
func (m *Mount) step(op, name string) error {
	m.d.mu.Lock()
	if !m.d.step(m.gen, op) {
		m.d.mu.Unlock()
		return &fs.PathError{Op: op, Path: name, Err: ErrPowerOff}
	}
	return nil
}

// OpenFile opens name; O_CREATE, O_EXCL and O_TRUNC work as for os.OpenFile.
func (m *Mount) OpenFile(name string, flag int, _ fs.FileMode) (persistence.File, error) {
	name = filepath.Clean(name)
	mutating := flag&(os.O_CREATE|os.O_TRUNC) != 0
	var err error
	if mutating {
		err = m.step("create", name)
	} else {
		err = m.lock("open", name)
	}
	if err != nil {
		return nil, err
	}
	defer m.d.mu.Unlock()
	ino, err := m.d.open(name, flag)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &File{m: m, ino: ino, name: name, write: flag&(os.O_WRONLY|os.O_RDWR) != 0}, nil
}

func (d *Disk) open(name string, flag int) (*inode, error) {
	ino, ok := d.files[name]
	switch {
	case ok && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, fs.ErrExist
	case !ok && flag&os.O_CREATE == 0:
		return nil, fs.ErrNotExist
	case !ok && !d.dirs[filepath.Dir(name)]:
		return nil, fs.ErrNotExist
	case !ok:
		if d.faults.Create != nil {
			if err := d.faults.Create(name); err != nil {
				return nil, err
			}
		}
		ino = &inode{}
		d.files[name] = ino
		d.pending = append(d.pending, nameOp{to: name, ino: ino})
	}
	if flag&os.O_TRUNC != 0 {
		ino.resize(0)
	}
	return ino, nil
}

// Stat describes a file or directory as the cache shows it.
func (m *Mount) Stat(name string) (fs.FileInfo, error) {
	name = filepath.Clean(name)
	if err := m.lock("stat", name); err != nil {
		return nil, err
	}
	defer m.d.mu.Unlock()
	if ino, ok := m.d.files[name]; ok {
		return fileInfo{name: filepath.Base(name), size: int64(len(ino.data))}, nil
	}
	if m.d.dirs[name] {
		return fileInfo{name: filepath.Base(name), dir: true}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// ReadDir lists the files of dir, sorted by name.
func (m *Mount) ReadDir(dir string) ([]fs.DirEntry, error) {
	dir = filepath.Clean(dir)
	if err := m.lock("readdir", dir); err != nil {
		return nil, err
	}
	defer m.d.mu.Unlock()
	if !m.d.dirs[dir] {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for name, ino := range m.d.files {
		if filepath.Dir(name) == dir {
			out = append(out, fs.FileInfoToDirEntry(fileInfo{name: filepath.Base(name), size: int64(len(ino.data))}))
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Rename moves a file, replacing any file at newpath.
func (m *Mount) Rename(oldpath, newpath string) error {
	oldpath, newpath = filepath.Clean(oldpath), filepath.Clean(newpath)
	if err := m.step("rename", oldpath); err != nil {
		return err
	}
	defer m.d.mu.Unlock()
	ino, ok := m.d.files[oldpath]
	if !ok || !m.d.dirs[filepath.Dir(newpath)] {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrNotExist}
	}
	delete(m.d.files, oldpath)
	m.d.files[newpath] = ino
	m.d.pending = append(m.d.pending, nameOp{from: oldpath, to: newpath, ino: ino})
	return nil
}

// Remove removes a file.
func (m *Mount) Remove(name string) error {
	name = filepath.Clean(name)
	if err := m.step("remove", name); err != nil {
		return err
	}
	defer m.d.mu.Unlock()
	if _, ok := m.d.files[name]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.d.files, name)
	m.d.pending = append(m.d.pending, nameOp{from: name})
	return nil
}

// MkdirAll creates dir and its parents, durably at once.
func (m *Mount) MkdirAll(dir string, _ fs.FileMode) error {
	dir = filepath.Clean(dir)
	if err := m.lock("mkdir", dir); err != nil {
		return err
	}
	defer m.d.mu.Unlock()
	for d := dir; !m.d.dirs[d]; d = filepath.Dir(d) {
		m.d.dirs[d] = true
	}
	return nil
}

// SyncDir makes the creations, renames and removals in dir durable.
func (m *Mount) SyncDir(dir string) error {
	dir = filepath.Clean(dir)
	if err := m.step("syncdir", dir); err != nil {
		return err
	}
	defer m.d.mu.Unlock()
	m.d.syncDir(dir)
	return nil
}

// Lock takes dir for one writer until Close, or until a cut or kill.
func (m *Mount) Lock(dir string) (io.Closer, error) {
	dir = filepath.Clean(dir)
	if err := m.lock("lock", dir); err != nil {
		return nil, err
	}
	defer m.d.mu.Unlock()
	if m.d.locks[dir] == m.gen+1 {
		return nil, fmt.Errorf("simdisk: journal %s is in use: %w", dir, syscall.EWOULDBLOCK)
	}
	m.d.locks[dir] = m.gen + 1 // +1: the zero value means free
	return dirLock{m: m, dir: dir}, nil
}

type dirLock struct {
	m   *Mount
	dir string
}

func (l dirLock) Close() error {
	l.m.d.mu.Lock()
	defer l.m.d.mu.Unlock()
	if l.m.d.locks[l.dir] == l.m.gen+1 {
		delete(l.m.d.locks, l.dir)
	}
	return nil
}

// ReadFile returns a file's bytes as the cache shows them.
func (m *Mount) ReadFile(name string) ([]byte, error) {
	f, err := m.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	_, err = f.ReadAt(b, 0)
	return b, err
}

// fileInfo describes a simulated file or directory.
type fileInfo struct {
	name string
	size int64
	dir  bool
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return i.size }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o750
	}
	return 0o640
}
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }
