package actors

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"allot/domain"
)

// fakeAccount is a Fragment account's list of numbers; err makes the
// next reads fail.
type fakeAccount struct {
	mu    sync.Mutex
	list  []domain.OwnedNumber
	err   error
	calls int
}

func account(list ...domain.OwnedNumber) *fakeAccount { return &fakeAccount{list: list} }

func (f *fakeAccount) MyNumbers(ctx context.Context) ([]domain.OwnedNumber, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return slices.Clone(f.list), ctx.Err()
}

func (f *fakeAccount) set(err error, list ...domain.OwnedNumber) {
	f.mu.Lock()
	f.list, f.err = list, err
	f.mu.Unlock()
}

func owns(n string) domain.OwnedNumber       { return domain.OwnedNumber{Number: n} }
func restricted(n string) domain.OwnedNumber { return domain.OwnedNumber{Number: n, Restricted: true} }

const num3 = "+88800000003"

// catalogueOf is each number's state as the catalogue holds it, removed
// ones included: what "nothing changed" compares.
func catalogueOf(t testing.TB, e *Engine) map[string]*domain.Number {
	t.Helper()
	out := map[string]*domain.Number{}
	for id := range e.view.snapshot() {
		out[id] = mustNumber(t, e, id)
	}
	return out
}

func TestEngine_SyncNumbers(t *testing.T) {
	errDown := errors.New("fragment: unavailable")
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *Engine) // after num1 and num2 are added
		account *fakeAccount
		wReport SyncReport
		wErr    error
		check   func(t *testing.T, e *Engine)
	}{
		{name: "in step", account: account(owns(num1), owns(num2)),
			wReport: SyncReport{Owned: 2, Catalogue: 2}},
		{name: "added", account: account(owns(num1), owns(num2), owns("+888 0000 0003")),
			wReport: SyncReport{Added: []string{num3}, Owned: 3, Catalogue: 2},
			check: func(t *testing.T, e *Engine) {
				if st := mustNumber(t, e, num3).Status(); st != domain.StatusAvailable {
					t.Errorf("added number is %s, want available at the default prices", st)
				}
			}},
		{name: "added restricted is blocked at once", account: account(owns(num1), owns(num2), restricted(num3)),
			wReport: SyncReport{Added: []string{num3}, Blocked: []string{num3}, Owned: 3, Catalogue: 2},
			check:   wantBlocked(num3, domain.SyncRestricted)},
		{name: "blocked not owned", account: account(owns(num1)),
			wReport: SyncReport{Blocked: []string{num2}, Owned: 1, Catalogue: 2},
			check:   wantBlocked(num2, domain.SyncNotOwned)},
		{name: "blocked restricted", account: account(owns(num1), restricted(num2)),
			wReport: SyncReport{Blocked: []string{num2}, Owned: 2, Catalogue: 2},
			check:   wantBlocked(num2, domain.SyncRestricted)},
		{name: "unblocked when owned again",
			setup: func(t *testing.T, e *Engine) {
				if _, err := e.SyncNumbers(ctxT(t), admin, account(owns(num1))); err != nil {
					t.Fatal(err)
				}
			},
			account: account(owns(num1), owns(num2)),
			wReport: SyncReport{Unblocked: []string{num2}, Owned: 2, Catalogue: 2},
			check:   wantFree(num2)},
		{name: "unblocked when no longer restricted",
			setup: func(t *testing.T, e *Engine) {
				if _, err := e.SyncNumbers(ctxT(t), admin, account(owns(num1), restricted(num2))); err != nil {
					t.Fatal(err)
				}
			},
			account: account(owns(num1), owns(num2)),
			wReport: SyncReport{Unblocked: []string{num2}, Owned: 2, Catalogue: 2},
			check:   wantFree(num2)},
		{name: "an admin's own block is kept", setup: blockT(num2, "abuse"), account: account(owns(num1), owns(num2)),
			wReport: SyncReport{Owned: 2, Catalogue: 2},
			check:   wantBlocked(num2, "abuse")},
		{name: "an admin's own block keeps its reason", setup: blockT(num2, "abuse"), account: account(owns(num1)),
			wReport: SyncReport{Owned: 1, Catalogue: 2},
			check:   wantBlocked(num2, "abuse")},
		{name: "a removed number is not added back",
			setup: func(t *testing.T, e *Engine) {
				if _, err := e.RemoveNumber(ctxT(t), admin, num2); err != nil {
					t.Fatal(err)
				}
			},
			account: account(owns(num1), owns(num2)),
			wReport: SyncReport{Owned: 2, Catalogue: 1},
			check: func(t *testing.T, e *Engine) {
				if st := mustNumber(t, e, num2).Status(); st != domain.StatusRemoved {
					t.Errorf("removed number is %s", st)
				}
			}},
		{name: "a live rental is never ended",
			setup: func(t *testing.T, e *Engine) {
				if _, err := e.RentFromBalance(ctxT(t), "tg:1001:rent", alice, num2, 30); err != nil {
					t.Fatal(err)
				}
			},
			account: account(owns(num1)),
			wReport: SyncReport{Blocked: []string{num2}, Owned: 1, Catalogue: 2},
			check: func(t *testing.T, e *Engine) {
				wantBlocked(num2, domain.SyncNotOwned)(t, e)
				n := mustNumber(t, e, num2)
				if n.Rental == nil || n.Rental.Renter != alice || n.Rental.Expired || n.Handover != nil {
					t.Errorf("rental %+v, hand-over %+v: the block ended alice's rental", n.Rental, n.Handover)
				}
				if want := newClock().Now().AddDate(0, 0, 30); !n.Rental.Until.Equal(want) {
					t.Errorf("rental until %s, want %s: the clock is kept", n.Rental.Until, want)
				}
			}},
		{name: "an empty list is refused", account: account(),
			wReport: SyncReport{Catalogue: 2}, wErr: ErrSyncEmpty},
		{name: "a list of no number is refused", account: account(owns("not a number")),
			wReport: SyncReport{Catalogue: 2}, wErr: ErrSyncEmpty},
		{name: "a foreign account is refused", account: account(owns(num3)),
			wReport: SyncReport{Owned: 1, Catalogue: 2}, wErr: ErrSyncForeign},
		{name: "a fetch error changes nothing", account: &fakeAccount{err: errDown}, wErr: errDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := openTest(t, t.TempDir(), newClock(), nil)
			seed(t, e, domain.TON(100), num1, num2)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			before := catalogueOf(t, e)
			rep, err := e.SyncNumbers(ctxT(t), admin, tt.account)
			if !errors.Is(err, tt.wErr) || (err == nil) != (tt.wErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wErr)
			}
			if !reflect.DeepEqual(rep, tt.wReport) {
				t.Errorf("report %+v, want %+v", rep, tt.wReport)
			}
			if after := catalogueOf(t, e); !rep.Changed() && !reflect.DeepEqual(after, before) {
				t.Errorf("nothing reported, but the catalogue changed:\n%+v\nwas\n%+v", after, before)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
			mustCheck(t, e)
		})
	}
}

func blockT(id, reason string) func(*testing.T, *Engine) {
	return func(t *testing.T, e *Engine) {
		if _, err := e.Block(ctxT(t), admin, id, reason); err != nil {
			t.Fatal(err)
		}
	}
}

func wantBlocked(id, reason string) func(*testing.T, *Engine) {
	return func(t *testing.T, e *Engine) {
		t.Helper()
		if n := mustNumber(t, e, id); !n.Blocked || n.Reason != reason {
			t.Errorf("%s blocked %v reason %q, want blocked %q", id, n.Blocked, n.Reason, reason)
		}
	}
}

func wantFree(id string) func(*testing.T, *Engine) {
	return func(t *testing.T, e *Engine) {
		t.Helper()
		if st := mustNumber(t, e, id).Status(); st != domain.StatusAvailable {
			t.Errorf("%s is %s, want available", id, st)
		}
	}
}

// syncAudit is the audit log's lines about numbers after the seed's.
func syncAudit(t *testing.T, e *Engine, skip int) []domain.AuditEntry {
	t.Helper()
	if err := e.Drain(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	p, err := e.AuditLog(ctxT(t), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	es := p.Entries[:len(p.Entries)-skip] // newest first
	slices.Reverse(es)
	for i := range es {
		es[i].At = time.Time{}
	}
	return es
}

func TestEngine_SyncNumbers_Audit(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, domain.TON(100), num1, num2)
	if _, err := e.SyncNumbers(ctxT(t), admin, account(owns(num1), restricted(num3))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SyncNumbers(ctxT(t), admin, account(owns(num1), owns(num2), owns(num3))); err != nil {
		t.Fatal(err)
	}
	want := []domain.AuditEntry{
		{Actor: admin, Action: "number.add", Target: num3},
		{Actor: admin, Action: "number.block", Target: num3, Detail: domain.SyncRestricted},
		{Actor: admin, Action: "number.block", Target: num2, Detail: domain.SyncNotOwned},
		{Actor: admin, Action: "number.unblock", Target: num2, Detail: "in the Fragment account again"},
		{Actor: admin, Action: "number.unblock", Target: num3, Detail: "in the Fragment account again"},
	}
	if got := syncAudit(t, e, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("audit\n%+v\nwant\n%+v", got, want)
	}

	// The system's sync (by 0) changes the same way, and is no person's action.
	rep, err := e.SyncNumbers(ctxT(t), 0, account(owns(num1)))
	if err != nil || len(rep.Blocked) != 2 {
		t.Fatalf("system sync: %+v, %v", rep, err)
	}
	if got := syncAudit(t, e, 2); len(got) != len(want) {
		t.Errorf("the system's sync wrote audit lines: %+v", got[len(want):])
	}
}

func TestEngine_StartNumberSync(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, 0, num1)
	acc := account(owns(num1), owns(num2))
	type told struct {
		rep SyncReport
		err error
	}
	reports := make(chan told, 16)
	s := e.StartNumberSync(acc, 5*time.Millisecond, func(r SyncReport, err error) {
		select {
		case reports <- told{r, err}:
		default: // failures told every 5 ms while the test looks elsewhere
		}
	})
	defer s.Close()

	first := <-reports
	if first.err != nil || !reflect.DeepEqual(first.rep.Added, []string{num2}) {
		t.Fatalf("first sync told %+v, want num2 added", first)
	}
	calls := func() int { acc.mu.Lock(); defer acc.mu.Unlock(); return acc.calls }
	n := calls()
	eventually(t, "two more syncs", func() bool { return calls() >= n+2 })
	select {
	case r := <-reports:
		t.Fatalf("a sync that changed nothing was told: %+v", r)
	default:
	}
	acc.set(errors.New("fragment: session expired"))
	if r := <-reports; !errors.Is(r.err, ErrSyncFetch) || r.rep.Changed() {
		t.Fatalf("a failed sync told %+v, want ErrSyncFetch and no change", r)
	}
	s.Close()
	n = calls()
	time.Sleep(20 * time.Millisecond)
	if calls() != n {
		t.Error("the sync ran after Close")
	}
	(*NumberSync)(nil).Close() // none started: nothing to stop
}

func TestEngine_Handovers(t *testing.T) {
	t.Run("relay off", func(t *testing.T) {
		e := openTest(t, t.TempDir(), newClock(), nil)
		if p := e.HandoversPending(); p != 0 {
			t.Errorf("pending %d without Fragment", p)
		}
		if f, a := e.HandoversFailing(); f != 0 || a != 0 {
			t.Errorf("failing %d, alerted %d without Fragment", f, a)
		}
	})
	t.Run("failing then done", func(t *testing.T) {
		f := newFakeFragment()
		f.fail = 1 << 30
		e := handoverEngine(t, t.TempDir(), newClock(), f, nil)
		seed(t, e, domain.TON(100), num1)
		if _, err := e.RentFromBalance(ctxT(t), "tg:1001:rent", alice, num1, 30); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the codes chore alerted", func() bool {
			failing, alerted := e.HandoversFailing()
			return e.HandoversPending() == 1 && failing == 1 && alerted == 1
		})
		f.mu.Lock()
		f.fail = 0
		f.mu.Unlock()
		eventually(t, "the chore done", func() bool {
			failing, alerted := e.HandoversFailing()
			return e.HandoversPending() == 0 && failing == 0 && alerted == 0
		})
	})
}
