package actors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"allot/persistence"
)

// StateAt rebuilds the state a data directory held at journal sequence
// seq: its newest valid snapshot at or before seq, then the journal
// records up to seq. It returns the state as JSON with one key "kind/id"
// per entity; keys are sorted, so equal states give equal bytes. It starts
// no actor, resumes no unfinished operation, takes no lock and writes
// nothing: for restore drills and for tests that compare two data
// directories at one sequence. A snapshot whose entities hold records
// after seq (a fuzzy snapshot taken later) is passed over for an older
// one; the journal must reach seq.
func StateAt(dir string, seq uint64) ([]byte, error) {
	snaps, err := persistence.SnapshotFiles(filepath.Join(dir, "snapshots"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, s := range snaps { // newest first
		if s.Seq > seq {
			continue
		}
		e, ok, err := stateFrom(dir, s.Path, seq)
		if err != nil || ok {
			return stateAtJSON(e, ok, err)
		}
	}
	return stateAtJSON(stateFrom(dir, "", seq))
}

// stateFrom restores snapPath (none if "") into a bare engine and replays
// the journal up to seq; ok is false for a snapshot that is damaged or
// holds records after seq.
func stateFrom(dir, snapPath string, seq uint64) (e *Engine, ok bool, err error) {
	e = bareEngine(dir)
	after := uint64(0)
	if snapPath != "" {
		data, err := os.ReadFile(snapPath)
		if err != nil {
			return nil, false, err
		}
		snapSeq, payload, err := persistence.CheckSnapshot(snapPath, data)
		if err != nil {
			return nil, false, nil
		}
		if err := e.restore(snapSeq, payload); err != nil {
			return nil, false, fmt.Errorf("actors: %s: %w", snapPath, err)
		}
		if e.restoredTop > seq {
			return nil, false, nil
		}
		after = snapSeq
	}
	_, err = persistence.ReadRecords(filepath.Join(dir, "journal"), after, seq, e.replay)
	return e, true, err
}

func stateAtJSON(e *Engine, _ bool, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("actors: state at: %w", err)
	}
	out := map[string]any{}
	for k := range e.dir.held() {
		e.dir.each(k, func(en *entry, _ bool) {
			if en.state != nil {
				out[k.String()+"/"+en.id] = en.state
			}
		})
	}
	return json.MarshalIndent(out, "", " ")
}
