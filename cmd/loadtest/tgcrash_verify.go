package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"allot/actors"
	"allot/domain"
	"allot/persistence"
)

// tgState is what the data directory holds about the run, read in this
// process once the last bot process has exited.
type tgState struct {
	wallets map[domain.UserID]*domain.Wallet
	numbers map[string]*domain.Number // nil: not in the catalogue
	audit   []domain.AuditEntry
}

// tgVerify opens the data directory, runs the engine's checks, and reads
// the wallets, numbers and audit log the people's updates touched.
func tgVerify(dataDir string, users []domain.UserID, numbers []string) (st tgState, tot actors.Totals, checkErr, err error) {
	ctx := context.Background()
	eng, err := actors.Open(actors.Options{Dir: dataDir, Fsync: persistence.FsyncOS, IdleTimeout: time.Minute})
	if err != nil {
		return st, tot, nil, fmt.Errorf("open %s: %w", dataDir, err)
	}
	defer func() { err = errors.Join(err, eng.Close(ctx)) }()
	if err := eng.Drain(ctx); err != nil {
		return st, tot, nil, err
	}
	tot, checkErr = eng.Check()
	st, err = tgReadState(ctx, eng, users, numbers)
	return st, tot, checkErr, err
}

func tgReadState(ctx context.Context, eng *actors.Engine, users []domain.UserID, numbers []string) (tgState, error) {
	st := tgState{wallets: map[domain.UserID]*domain.Wallet{}, numbers: map[string]*domain.Number{}}
	for _, u := range users {
		w, err := eng.Wallet(ctx, u)
		if err != nil {
			return st, fmt.Errorf("wallet %d: %w", u, err)
		}
		st.wallets[u] = w
	}
	for _, id := range numbers {
		n, err := eng.Number(ctx, id)
		if err != nil && !errors.Is(err, domain.ErrNumberNotFound) {
			return st, fmt.Errorf("number %s: %w", id, err)
		}
		st.numbers[id] = n
	}
	for page := 0; ; page++ {
		p, err := eng.AuditLog(ctx, page, 500)
		if err != nil {
			return st, fmt.Errorf("audit log: %w", err)
		}
		st.audit = append(st.audit, p.Entries...)
		if !p.More {
			return st, nil
		}
	}
}

// tgScore is what the state says of the updates that asked for changes.
type tgScore struct {
	twice        int // updates whose effect is in the state more than once (the sum of the next five)
	adjustTwice  int // /adjust: more than one ledger entry or audit entry for its reason
	extendTwice  int // /extend: days granted, or audit entries, beyond the /extend updates sent for the number
	payTwice     int // "From balance": more than one ledger entry for its operation
	daysTwice    int // rentals holding more days than their renters' completed purchases paid for, in 30-day periods
	addTwice     int // /add_number: audit entries for a number beyond the first
	ackedMissing int // answered as done, yet not in the state
	auditMissing int // /adjust and /extend applied without an audit entry
	unattributed int // ledger and audit entries of the run's kind that no update sent explains
	adjusts      int // counts of what was sent
	extends      int
	pays         int
	paid         int // pays answered as rented or renewed
	adds         int
	notes        []string
}

func (s *tgScore) note(format string, args ...any) {
	if len(s.notes) < 12 {
		s.notes = append(s.notes, fmt.Sprintf(format, args...))
	}
}

// scoreTgCrash compares the updates sent with the state. tag is the run's
// mark in every /adjust reason, which tells the run's adjustments apart.
func scoreTgCrash(sent []*tgSent, st tgState, tag string) tgScore {
	var s tgScore
	s.scoreAdjusts(sent, st, tag)
	s.scoreExtends(sent, st)
	s.scorePays(sent, st)
	s.scoreAdds(sent, st)
	s.twice = s.adjustTwice + s.extendTwice + s.payTwice + s.daysTwice + s.addTwice
	return s
}

func (s *tgScore) scoreAdjusts(sent []*tgSent, st tgState, tag string) {
	mark := "tgc-" + tag + "-"
	ledger, audit := map[string]int{}, map[string]int{}
	for _, w := range st.wallets {
		for _, e := range w.Entries {
			if e.Kind == domain.KindAdjustment && strings.HasPrefix(e.Note, mark) {
				ledger[e.Note]++
			}
		}
	}
	for _, e := range st.audit {
		if _, reason, ok := strings.Cut(e.Detail, ": "); ok && e.Action == "wallet.adjust" && strings.HasPrefix(reason, mark) {
			audit[reason]++
		}
	}
	known := map[string]bool{}
	for _, u := range sent {
		if u.kind != tgAdjust {
			continue
		}
		s.adjusts++
		known[u.reason] = true
		s.adjust(u, st, ledger[u.reason], audit[u.reason])
	}
	for _, m := range []map[string]int{ledger, audit} {
		for reason := range m {
			if !known[reason] {
				s.unattributed++
				s.note("%s is in the ledger or the audit log, but no /adjust sent it", reason)
			}
		}
	}
}

// adjust scores one /adjust whose reason has l ledger and a audit entries.
func (s *tgScore) adjust(u *tgSent, st tgState, l, a int) {
	if l > 1 || a > 1 {
		s.adjustTwice++
		s.note("update %d %q: %d ledger entries, %d audit entries; answers %q", u.id, u.text, l, a, tgShort(u.replies))
	}
	if l == 0 && u.acked() {
		s.ackedMissing++
		s.note("update %d %q was answered %q, but no ledger entry has its reason", u.id, u.text, tgShort(u.replies))
	}
	if l > 0 && a == 0 {
		s.auditMissing++
	}
	if w := st.wallets[u.target]; l > 0 && w != nil && !tgHasNote(w, u.reason) {
		s.note("update %d %q: its credit is in someone else's wallet", u.id, u.text)
	}
}

// acked reports whether the bot told the admin their command was done,
// now or by an earlier delivery of the same update.
func (s *tgSent) acked() bool { return s.repliedExactly(txtDone) || s.replied(txtAlready) }

func tgHasNote(w *domain.Wallet, note string) bool {
	for _, e := range w.Entries {
		if e.Note == note {
			return true
		}
	}
	return false
}

// scoreExtends compares each number's rental with the /extend updates sent
// for it: every one of them was sent after the rent was confirmed, and the
// rental lasts the whole run, so each may add one day, once.
func (s *tgScore) scoreExtends(sent []*tgSent, st tgState) {
	count, done, audit := map[string]int{}, map[string]int{}, map[string]int{}
	for _, u := range sent {
		if u.kind == tgExtend {
			s.extends++
			count[u.number]++
			if u.acked() {
				done[u.number]++
			}
		}
	}
	for _, e := range st.audit {
		if e.Action == "rental.extend" {
			audit[e.Target]++
		}
	}
	for id, sentN := range count {
		n := st.numbers[id]
		if n == nil || n.Rental == nil {
			s.note("%s: %d /extend sent, but it is not rented", id, sentN)
			continue
		}
		granted := int(n.Rental.Granted / (24 * time.Hour))
		excess := max(granted-sentN, audit[id]-sentN, 0)
		if excess > 0 {
			s.extendTwice += excess
			s.note("%s: %d /extend sent (%d answered %q), %d days granted, %d audit entries", id, sentN, done[id],
				txtDone, granted, audit[id])
		}
		s.ackedMissing += max(done[id]-granted, 0)
		s.auditMissing += max(min(granted, sentN)-audit[id], 0)
	}
}

// scorePays counts each purchase's ledger entries by its operation id, and
// each rental's days against what its renter's completed purchases paid.
func (s *tgScore) scorePays(sent []*tgSent, st tgState) {
	ours := map[domain.OpID]bool{}
	for _, u := range sent {
		if u.kind != tgPay {
			continue
		}
		s.pays++
		ours[u.op] = true
		entries, completed := tgEntries(st.wallets[u.user], u.op)
		if entries > 1 {
			s.payTwice++
			s.note("update %d (%s %s): %d ledger entries for %s", u.id, u.kind, u.number, entries, u.op)
		}
		if u.replied(txtRented) || u.replied(txtRenewed) {
			s.paid++
			if completed == 0 {
				s.ackedMissing++
				s.note("update %d: answered %q, but %s has no completed purchase", u.id, tgShort(u.replies), u.op)
			}
		}
	}
	for _, w := range st.wallets {
		for _, e := range w.Entries {
			if e.Kind == domain.KindPurchase && !ours[e.Op] {
				s.unattributed++
				s.note("purchase %s of %s in %d's ledger: no press sent it", e.Op, e.Ref, w.User)
			}
		}
	}
	s.scoreDays(st)
}

func tgEntries(w *domain.Wallet, op domain.OpID) (entries, completed int) {
	if w == nil {
		return 0, 0
	}
	for _, e := range w.Entries {
		if e.Op == op {
			entries++
			if e.Status == domain.EntryCompleted {
				completed++
			}
		}
	}
	return entries, completed
}

// scoreDays: nobody's rental ends in the run, so a rental holds exactly the
// days its renter's completed purchases of the number paid for.
func (s *tgScore) scoreDays(st tgState) {
	for id, n := range st.numbers {
		if n == nil || n.Rental == nil {
			continue
		}
		paid := 0
		if w := st.wallets[n.Rental.Renter]; w != nil {
			for _, e := range w.Entries {
				if e.Kind == domain.KindPurchase && e.Ref == id && e.Status == domain.EntryCompleted {
					paid += e.Days
				}
			}
		}
		switch {
		case n.Rental.Days > paid:
			s.daysTwice += (n.Rental.Days - paid + 29) / 30
			s.note("%s: the rental holds %d days, its renter paid for %d", id, n.Rental.Days, paid)
		case n.Rental.Days < paid:
			s.note("%s: its renter paid for %d days, the rental holds %d", id, paid, n.Rental.Days)
		}
	}
}

func (s *tgScore) scoreAdds(sent []*tgSent, st tgState) {
	audit := map[string]int{}
	for _, e := range st.audit {
		if e.Action == "number.add" {
			audit[e.Target]++
		}
	}
	seen := map[string]bool{}
	for _, u := range sent {
		if u.kind != tgAddNumber {
			continue
		}
		s.adds++
		if st.numbers[u.number] == nil && u.acked() {
			s.ackedMissing++
			s.note("update %d %q was answered %q, but the number is not there", u.id, u.text, tgShort(u.replies))
		}
		if !seen[u.number] && audit[u.number] > 1 {
			s.addTwice += audit[u.number] - 1
			s.note("%s: %d audit entries number.add", u.number, audit[u.number])
		}
		seen[u.number] = true
	}
}
