package persistence

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// lossNoteName is the file in a journal directory where an offline repair
// leaves what it set aside, for the next Recover to report.
const lossNoteName = "losses.json"

// NoteLosses adds losses to those the next Recover on the journal in dir
// reports in RecoveryInfo.Losses, once: a repair runs while the service is
// stopped, and the start after it is what the admins and the monitoring
// see, so that start must say what the repair set aside.
func NoteLosses(dir string, losses []Loss) error {
	if len(losses) == 0 {
		return nil
	}
	old, err := readLossNote(dir)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(append(old, losses...), "", "  ")
	if err != nil {
		return fmt.Errorf("persistence: note losses: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, lossNoteName), filePerm, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// readLossNote returns the noted losses of dir, none when there is no note.
func readLossNote(dir string) ([]Loss, error) {
	path := filepath.Join(dir, lossNoteName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("persistence: read loss note: %w", err)
	}
	var out []Loss
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("persistence: loss note %s: %w", path, err)
	}
	return out, nil
}

// takeLossNote reads the noted losses for a recovery; an unreadable note
// is itself reported as a loss rather than failing the start.
func takeLossNote(dir string) []Loss {
	losses, err := readLossNote(dir)
	if err != nil {
		return []Loss{{What: "journal repair (unreadable note: " + err.Error() + ")",
			File: filepath.Join(dir, lossNoteName), Acknowledged: true}}
	}
	return losses
}

// dropLossNote removes the note once a recovery has reported it, so that
// the losses are told once.
func dropLossNote(dir string) error {
	err := os.Remove(filepath.Join(dir, lossNoteName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("persistence: remove loss note: %w", err)
	}
	return SyncDir(dir)
}

// snapshotLoss describes a snapshot set aside as damaged, now at path.
func snapshotLoss(path string, cause error) Loss {
	l := Loss{What: "snapshot", File: path}
	if st, err := os.Stat(path); err == nil {
		l.Bytes = st.Size()
	}
	var ce *CorruptError
	if errors.As(cause, &ce) {
		l.Offset = ce.Offset
	}
	return l
}

// fallbacks returns the snapshots set aside since the store was opened:
// at recovery, the damaged ones LoadNewest passed over. A nil store has none.
func (s *SnapshotStore) fallbacks() []Loss {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lost)
}
