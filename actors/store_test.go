package actors_test

import (
	"testing"

	"allot/actors"
	"allot/actors/storetest"
	"allot/persistence"
)

// The data directory's files keep the store contract.
func TestFileStore_Contract(t *testing.T) {
	storetest.Run(t, func(t testing.TB) storetest.Opener {
		dir := t.TempDir()
		return func(t testing.TB, h actors.StoreHooks) actors.Store {
			s, err := actors.OpenFileStore(actors.Options{Dir: dir, Fsync: persistence.FsyncAlways, SegmentSize: 1 << 16}, h)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}
