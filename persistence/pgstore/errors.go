package pgstore

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Sentinel errors. Callers test them with errors.Is; the package wraps them
// with the entity, lease or server concerned.
var (
	// ErrFenced means another writer owns the entity: it wrote the seq this
	// Store tried to write, so this Store's view of the entity is stale. The
	// event was not written, and every later Append for the entity fails
	// with ErrFenced until the caller reloads the entity and calls Unfence.
	ErrFenced = errors.New("pgstore: entity fenced")
	// ErrDuplicateOp means the event's operation id is already recorded:
	// the operation was done before (a redelivery), so the event was not
	// written. The entity is fenced like after a conflict, because its
	// writer has applied an event the table does not have.
	ErrDuplicateOp = errors.New("pgstore: operation already recorded")
	// ErrInvalidEvent refuses an event the table cannot hold as given (a
	// seq of 0, an entity or op id that is not UTF-8, too long or holds a
	// NUL byte, an oversized payload) before it reaches a batch, where it
	// would fail every other event with it.
	ErrInvalidEvent = errors.New("pgstore: invalid event")
	// ErrClosed is returned after Close: nothing more is accepted, so a
	// caller must not report an operation as done.
	ErrClosed = errors.New("pgstore: store closed")
	// ErrCommitUnknown means a batch's COMMIT was sent and no answer came
	// back (the connection broke): the batch may or may not be in the
	// table. Its events fail, the Store refuses every later Append, and
	// the process must reopen the store and reload what it holds.
	ErrCommitUnknown = errors.New("pgstore: commit outcome unknown")
	// ErrReadOnly refuses a server that cannot take writes (a hot standby
	// or a read-only database) before anything is read from it.
	ErrReadOnly = errors.New("pgstore: database is read-only")
	// ErrSchemaTooNew refuses a database migrated by a newer binary, whose
	// tables this one may misread or damage.
	ErrSchemaTooNew = errors.New("pgstore: database schema is newer than this binary")
	// ErrLeaseHeld means another holder has the lease and it has not
	// expired: a singleton must not start.
	ErrLeaseHeld = errors.New("pgstore: lease held by another holder")
	// ErrLeaseLost means the lease has expired or moved to a newer epoch:
	// the singleton holding the old epoch must stop at once, and its write
	// was not made.
	ErrLeaseLost = errors.New("pgstore: lease lost")
)

// EventError reports what happened to one event: its done callback gets it
// for a conflict, a duplicate operation, an invalid event or a failed
// batch. Err is the cause: ErrFenced, ErrDuplicateOp, ErrInvalidEvent or
// the database error, so errors.Is works through it.
type EventError struct {
	Kind   uint8  // the event's kind,
	Entity string // entity
	Seq    uint64 // and seq, so the caller knows which activation to reload
	Op     string // the event's operation id, if it carried one
	Reason string // a few words on why, for the log
	Err    error  // the cause, for errors.Is
}

// Error names the event and the reason on one line.
func (e *EventError) Error() string {
	op := ""
	if e.Op != "" {
		op = fmt.Sprintf(" op %q", e.Op)
	}
	return fmt.Sprintf("pgstore: kind %d entity %q seq %d%s: %s: %s",
		e.Kind, e.Entity, e.Seq, op, e.Reason, strings.TrimPrefix(e.Err.Error(), "pgstore: "))
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *EventError) Unwrap() error { return e.Err }

// wrapped adds what failed and where to an error without repeating the
// "pgstore: " prefix of the error it wraps.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string {
	return "pgstore: " + w.msg + ": " + strings.TrimPrefix(w.err.Error(), "pgstore: ")
}

func (w *wrapped) Unwrap() error { return w.err }

// secrets lists what must never appear in an error: the password of a URL
// (as given and percent-decoded) and of a key=value connection string.
var passwordKeyword = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

func secrets(raw string) []string {
	var out []string
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw)
		}
	}
	if at := strings.LastIndex(raw, "@"); at > 0 {
		userinfo := raw[:at]
		if i := strings.Index(userinfo, "://"); i >= 0 {
			userinfo = userinfo[i+3:]
		}
		if c := strings.Index(userinfo, ":"); c >= 0 && c+1 < len(userinfo) {
			out = append(out, userinfo[c+1:])
		}
	}
	for _, m := range passwordKeyword.FindAllStringSubmatch(raw, -1) {
		out = append(out, m[1], strings.Trim(m[1], "'"))
	}
	if q := strings.Index(raw, "?"); q >= 0 {
		if vals, err := url.ParseQuery(raw[q+1:]); err == nil && vals.Get("password") != "" {
			out = append(out, vals.Get("password"))
		}
	}
	return out
}

// scrubbed hides secrets in an error's text while keeping the error
// itself for errors.Is and errors.As.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// scrub returns err with every secret in its text replaced by "***", as the
// rest of Allot redacts.
func scrub(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "***")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}
