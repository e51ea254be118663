package stocker

import (
	"context"
	"errors"
	"time"

	"allot/domain"
)

// What the stocker remembers between passes, and how it tells of trouble.

// subject is what a step worked on: a tab (or several, for a flush) or a
// pool. Failures are counted by subject, so that one tab failing does not
// hide another one healing.
type subject struct {
	kind string // "tab" or "pool": the log's key for name
	name string
}

func tabSubject(tab string) subject  { return subject{kind: "tab", name: tab} }
func poolSubject(key string) subject { return subject{kind: "pool", name: key} }

// tabState is what the stocker knows of one stock tab between passes.
type tabState struct {
	emptyAt   time.Time // when it last had nothing to give
	empty     bool      // emptyAt is set
	trashMade bool      // its trash tab is known to exist
	// trashSeen and trashClean: whether its trash was settled since the
	// start, and whether it holds nothing left to settle.
	trashSeen, trashClean bool
}

// tab returns the state of a stock tab; s.mu must be held.
func (s *Stocker) tab(name string) *tabState {
	ts := s.tabs[name]
	if ts == nil {
		ts = &tabState{}
		s.tabs[name] = ts
	}
	return ts
}

// fail records a failed step of a subject: three failures in a row of
// the same subject tell the admins, since Google having a moment heals by
// itself and a renamed tab or a revoked service account does not. extra
// are more log attributes.
func (s *Stocker) fail(what string, sub subject, err error, extra ...any) {
	if errors.Is(err, context.Canceled) {
		return // shutting down: the step is taken again after the restart
	}
	s.mu.Lock()
	s.fails++
	s.status.LastError, s.status.LastErrorAt = what+": "+err.Error(), s.now()
	s.streak[sub]++
	n := s.streak[sub]
	s.status.ConsecutiveErrors = max(s.status.ConsecutiveErrors, n)
	s.mu.Unlock()
	args := append([]any{sub.kind, sub.name}, extra...)
	s.log.Warn(what+" failed", append(args, "err", err)...)
	if n >= 3 {
		s.alert(what + " failed: " + err.Error())
	}
}

// ok records that a subject's step succeeded.
func (s *Stocker) ok(sub subject) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streak, sub)
	s.status.ConsecutiveErrors = 0
	for _, n := range s.streak {
		s.status.ConsecutiveErrors = max(s.status.ConsecutiveErrors, n)
	}
}

// badRow counts a stock row that cannot be issued and tells the operator
// once: the same row would otherwise be reported on every pass.
func (s *Stocker) badRow(err error, row string) {
	var re *domain.RowError
	if errors.As(err, &re) {
		row += "\x00" + re.Reason // the cell moves when rows above go; the row and the reason do not
	}
	s.mu.Lock()
	s.status.BadRows++
	seen := s.told[row]
	if !seen && len(s.told) < 10_000 {
		s.told[row] = true
	}
	s.mu.Unlock()
	if !seen {
		s.log.Warn("stock row skipped", "err", err)
		s.alert("stock row skipped: " + err.Error())
	}
}

// alert tells the admins (through Options.Alert) about a problem they
// must fix in the spreadsheet: at most once an hour for the same text.
func (s *Stocker) alert(text string) {
	if s.o.Alert == nil {
		return
	}
	s.mu.Lock()
	last, ok := s.alerted[text]
	now := s.now()
	if ok && now.Sub(last) < time.Hour {
		s.mu.Unlock()
		return
	}
	if len(s.alerted) > 1000 {
		clear(s.alerted)
	}
	s.alerted[text] = now
	s.mu.Unlock()
	s.o.Alert(text)
}
