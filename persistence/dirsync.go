package persistence

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// syncDir is SyncDir; tests replace it to see which directories are synced.
var syncDir = SyncDir

// mkdirAllSync is os.MkdirAll that also makes the new directories durable:
// creating a directory writes an entry into its parent, and until the
// parent is synced a power loss can take the new directory (and every
// file later synced into it) away. It syncs the parent of each directory
// it created, outermost first; a directory that existed is left alone.
func mkdirAllSync(dir string, perm os.FileMode) error {
	created, err := missingDirs(filepath.Clean(dir))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return fmt.Errorf("persistence: create %s: %w", dir, err)
	}
	for _, d := range created {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// missingDirs lists dir and those of its parents that do not exist yet,
// outermost first.
func missingDirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		_, err := os.Stat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("persistence: create %s: %w", dir, err)
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	slices.Reverse(missing)
	return missing, nil
}
