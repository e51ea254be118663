package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"allot/actors"
	"allot/adapters/fragment/fragmenttest"
	"allot/domain"
	"allot/persistence"
)

// verify opens the engine once more, lets every owed chore finish, and
// checks the journal against Fragment and the acknowledgements.
func (t *handoverTally) verify(f flags, dir string, numbers int, cfg handoverChild,
	fake *fragmenttest.Server, px *fragmentProxy) (res map[string]any, err error) {
	mode, _ := persistence.ParseFsyncMode(f.fsync)
	client, err := cfg.client()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	eng, err := actors.Open(handoverOptions(dir, mode, vclock{base: time.Unix(0, cfg.Base)}, client))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, eng.Close(ctx)) }()
	owed, err := countOwed(ctx, eng, numbers, func(n *domain.Number) bool { return n.Handover != nil })
	if err != nil {
		return nil, err
	}
	t.owed += owed
	left, err := waitChores(ctx, eng, numbers, vclock{base: time.Unix(0, cfg.Base)}, time.Minute)
	if err != nil {
		return nil, err
	}
	if err := eng.Drain(ctx); err != nil {
		return nil, err
	}
	_, checkErr := eng.Check()
	lost, err := t.lost(ctx, eng)
	if err != nil {
		return nil, err
	}
	var s handoverScore
	var acc accountScore
	for i := 1; i <= numbers; i++ {
		n, err := eng.Number(ctx, numberID(i))
		if err != nil {
			return nil, err
		}
		s.add(n, t.expiries[n.ID], px.terminations(n.ID), fake)
		acc.add(n)
	}
	return t.report(f, numbers, s, acc, left, lost, checkErr), nil
}

// waitChores waits, at most limit, until no number owes Fragment anything,
// and returns how many numbers still owe a hand-over. It fires the
// scheduler as it goes: a deletion asked for becomes due to be finished.
func waitChores(ctx context.Context, eng *actors.Engine, numbers int, clock vclock, limit time.Duration) (int, error) {
	for deadline := time.Now().Add(limit); ; time.Sleep(20 * time.Millisecond) {
		eng.Advance()
		k, err := countOwed(ctx, eng, numbers, func(n *domain.Number) bool { return n.Chore(clock.now()).Any() })
		if err != nil || k == 0 || time.Now().After(deadline) {
			if err == nil && k > 0 {
				k, err = countOwed(ctx, eng, numbers, func(n *domain.Number) bool { return n.Handover != nil })
			}
			return k, err
		}
	}
}

// lost counts the acknowledged operations the recovered engine lacks.
func (t *handoverTally) lost(ctx context.Context, eng *actors.Engine) (int, error) {
	lost := 0
	for _, a := range t.acks {
		missing, err := handoverMissing(ctx, eng, a)
		if err != nil {
			return 0, err
		}
		if missing != "" {
			lost++
			fmt.Printf("  LOST: %s %s user %d number %s at %s: no %s\n", a.kind, a.op, a.user, a.number,
				a.at.Format(time.RFC3339Nano), missing)
		}
	}
	return lost, nil
}

// handoverMissing looks for an acknowledged operation: its holding in the
// number's history and, for a rent or a refund, its completed ledger
// entry. It names what is missing, or returns "".
func handoverMissing(ctx context.Context, eng *actors.Engine, a hoAck) (string, error) {
	n, err := eng.Number(ctx, a.number)
	if err != nil {
		return "", err
	}
	how := map[string]string{"rent": "rented", "cancel": "cancelled", "accept": "transferred", "reclaim": "reclaimed"}[a.kind]
	found := false
	for _, h := range n.History {
		at := h.From
		if a.kind == "rent" {
			at = h.Until
		}
		found = found || h.How == how && h.User == a.user && at.Equal(a.at)
	}
	switch {
	case !found:
		return how + " holding in the history", nil
	case a.kind != "rent" && a.refund == 0:
		return "", nil
	}
	w, err := eng.Wallet(ctx, a.user)
	if err != nil {
		return "", err
	}
	if e, ok := w.Entry(domain.OpID(a.op)); !ok || e.Status != domain.EntryCompleted {
		return "completed ledger entry (payment or refund)", nil
	}
	return "", nil
}

// handoverScore is the journal's hand-overs held against the fake.
type handoverScore struct {
	handovers, completed, early, earlyNumbers, codes, terminations, unrecorded int
	notes                                                                      []string
}

func (s *handoverScore) add(n *domain.Number, expiries []time.Time, ends []termination, fake *fragmenttest.Server) {
	ws := handoverWindows(n, expiries)
	done, early := judge(ws, ends)
	s.handovers += len(ws)
	s.completed += done
	s.early += early
	if early > 0 {
		s.earlyNumbers++
		s.note("%s: rented again before the sessions of %d of its hand-overs were ended", n.ID, early)
	}
	if done < len(ws) {
		s.note("%s: %d hand-overs without an ending of sessions at Fragment after them", n.ID, len(ws)-done)
	}
	k := fake.Terminations(n.ID)
	s.terminations += k
	s.unrecorded += k - len(ends)
	rented := n.Rental != nil && !n.Rental.Expired
	if fake.LoginCodesOn(n.ID) != rented || (n.Codes == domain.CodesOn) != rented {
		s.codes++
		s.note("%s: rented %v, login codes on at Fragment %v, recorded %s", n.ID, rented, fake.LoginCodesOn(n.ID), n.Codes)
	}
}

func (s *handoverScore) note(format string, args ...any) {
	if len(s.notes) < 10 {
		s.notes = append(s.notes, fmt.Sprintf(format, args...))
	}
}

// window is one hand-over as the number's history shows it: its holder
// lost the number at from (for an expiry: at the latest then), and the
// next rental began at next (zero while none did).
type window struct{ from, next time.Time }

// handoverWindows reads the hand-overs off a number's history: one for
// each accepted transfer, each cancel, and each expiry (a reclaim, or an
// expired rental not yet reclaimed). An expiry's hand-over that a cancel
// replaced is the cancel's: the sessions are ended once, for the latest
// loss. expiries are the expiry hand-overs' starts the children saw; where
// none was seen, the rental's end stands for it (the expiry came at or
// after it: no renewals are made).
func handoverWindows(n *domain.Number, expiries []time.Time) []window {
	var ws []window
	waiting := 0 // ws[waiting:] wait for the next rental
	var last *domain.Holding
	for i := range n.History {
		h := &n.History[i]
		switch h.How {
		case "rented":
			for k := waiting; k < len(ws); k++ {
				ws[k].next = h.From
			}
			waiting = len(ws)
		case "transferred", "cancelled":
			ws = append(ws, window{from: h.From})
		case "reclaimed":
			ws = append(ws, window{from: expiredAt(last, h.From, expiries)})
		}
		if h.How == "rented" || h.How == "transferred" {
			last = h
		}
	}
	if r := n.Rental; r != nil && r.Expired {
		ws = append(ws, window{from: expiredAt(last, time.Time{}, expiries)})
	}
	return ws
}

// expiredAt is when the rental of holding h expired: a start the children
// saw between its end and upto (zero: no bound), else its end.
func expiredAt(h *domain.Holding, upto time.Time, expiries []time.Time) time.Time {
	if h == nil {
		return time.Time{}
	}
	for _, at := range expiries {
		if !at.Before(h.Until) && (upto.IsZero() || !at.After(upto)) {
			return at
		}
	}
	return h.Until
}

// judge counts the windows Fragment confirms (an ending of sessions sent
// after the loss), and the windows whose next rental began before any such
// ending was answered: offered before clean.
func judge(ws []window, ends []termination) (completed, early int) {
	for _, w := range ws {
		after, clean := false, false
		for _, e := range ends {
			if e.sent.Before(w.from) {
				continue
			}
			after = true
			clean = clean || w.next.IsZero() || !e.done.After(w.next)
		}
		if after {
			completed++
		}
		if !w.next.IsZero() && !clean {
			early++
		}
	}
	return completed, early
}
