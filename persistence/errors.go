package persistence

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers test them with errors.Is; the package wraps them
// with the file, offset or sequence concerned.
var (
	// ErrClosed is returned by a journal after Close: nothing more is
	// accepted, so a caller must not report an operation as done.
	ErrClosed = errors.New("persistence: journal closed")
	// ErrCorrupt marks data that fails a check (magic, version, length,
	// CRC, sequence). A *CorruptError carries where it was found.
	ErrCorrupt = errors.New("persistence: corrupt data")
	// ErrNoSnapshot means a snapshot store holds no valid snapshot; recovery
	// then starts from an empty state and the journal's first record.
	ErrNoSnapshot = errors.New("persistence: no snapshot")
	// ErrPayloadSize refuses an empty payload (a zero length marks the end
	// of a segment's data) or one above MaxPayloadSize.
	ErrPayloadSize = errors.New("persistence: payload size out of range")
	// ErrMissingRecords means the snapshot and the journal do not join up:
	// starting anyway would silently lose acknowledged operations.
	ErrMissingRecords = errors.New("persistence: journal records missing")
)

// CorruptError names the file and byte offset of bad data so that an
// operator can look at it, copy it aside, or run the repair command.
// errors.Is(err, ErrCorrupt) is true for it.
type CorruptError struct {
	File   string // path of the damaged file
	Offset int64  // byte offset of the first bad byte found
	Reason string // what check failed, in a few words
}

// Error reports file, offset and reason on one line.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("persistence: corrupt data in %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// wrapped adds context to an error of this package without repeating the
// "persistence: " prefix ("persistence: recover: replay seq 5: ...").
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string {
	return "persistence: " + w.msg + ": " + strings.TrimPrefix(w.err.Error(), "persistence: ")
}

func (w *wrapped) Unwrap() error { return w.err }

func wrap(err error, msg string) error { return &wrapped{msg: msg, err: err} }

func corruptf(file string, off int64, format string, args ...any) *CorruptError {
	return &CorruptError{File: file, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// FsyncMode says when an appended record counts as durable, that is, when
// its done callback runs and DurableSeq moves past it.
type FsyncMode int

const (
	// FsyncAlways acknowledges a batch after fdatasync: it survives power
	// loss and OS crashes. The default.
	FsyncAlways FsyncMode = iota
	// FsyncOS acknowledges a batch after write(): it survives kill -9 of the
	// process (the data is in the page cache) but not power loss.
	FsyncOS
)

// ParseFsyncMode reads the FSYNC setting: "always" or "os".
func ParseFsyncMode(s string) (FsyncMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "always":
		return FsyncAlways, nil
	case "os":
		return FsyncOS, nil
	}
	return 0, fmt.Errorf("persistence: fsync mode %q: want \"always\" or \"os\"", s)
}

// String returns the name ParseFsyncMode accepts.
func (m FsyncMode) String() string {
	switch m {
	case FsyncAlways:
		return "always"
	case FsyncOS:
		return "os"
	}
	return fmt.Sprintf("FsyncMode(%d)", int(m))
}
