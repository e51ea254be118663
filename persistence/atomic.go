package persistence

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// tempMarker is part of every temporary file name WriteFileAtomic
// creates, so that leftovers of a crash can be recognised and removed.
const tempMarker = ".tmp-"

// WriteFileAtomic replaces path with what write produces, so that a reader
// (or a restart after a crash at any instant) sees either the old file or
// the complete new one, never a mix: it writes a temporary file in the same
// directory through a buffer, syncs and closes it, renames it over path and
// syncs the directory. On any error the temporary file is removed and path
// is untouched, except when only the final directory sync fails (the new
// file is then in place but its name may not survive a power loss).
func WriteFileAtomic(path string, perm os.FileMode, write func(w io.Writer) error) error {
	return writeFileAtomic(path, perm, func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 256<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// writeFileAtomic is WriteFileAtomic for writers that need the file itself
// (snapshots seek back to fill in their header).
func writeFileAtomic(path string, perm os.FileMode, fill func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+tempMarker+"*")
	if err != nil {
		return fmt.Errorf("persistence: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close() // may already be closed; the error that matters is err
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("persistence: write %s: %w", path, err)
	}
	if err = fill(f); err != nil {
		return fmt.Errorf("persistence: write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("persistence: sync %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("persistence: close %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("persistence: rename %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, making the creation, rename or removal of
// the files in it durable: without it a crash can undo a rename even though
// the file's own data was synced.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("persistence: sync dir: %w", err)
	}
	if err := d.Sync(); err != nil {
		return errors.Join(fmt.Errorf("persistence: sync dir %s: %w", dir, err), d.Close())
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("persistence: sync dir %s: %w", dir, err)
	}
	return nil
}

// isTempName reports a leftover temporary file of WriteFileAtomic for a
// file ending in ext.
func isTempName(name, ext string) bool {
	i := strings.LastIndex(name, tempMarker)
	return i > 0 && strings.HasSuffix(name[:i], ext)
}
