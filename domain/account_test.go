package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// returnedNumber is a number alice's rental was cancelled on, its sessions
// ended: the account check is what it owes now.
func returnedNumber(t testing.TB) (*Number, time.Time) {
	t.Helper()
	n := rentedNumber(t, alice)
	at := t0.Add(5 * day)
	must(t, n)(ev(n.Cancel("c1", TONMoney(0), at)))
	must(t, n)(ev(n.SessionsEnded(at, false, at)))
	return n, at
}

func TestAccount_OwedOnlyWhenTheNumberComesBack(t *testing.T) {
	n := offeredNumber(t)
	must(t, n)(ev(n.AcceptTransfer(bob, t0.Add(time.Hour))))
	if n.Account != nil {
		t.Errorf("a transfer owes a check %+v: the number stays rented", n.Account)
	}
	n, at := returnedNumber(t)
	if a := n.Account; a == nil || a.From != alice || !a.Since.Equal(at) {
		t.Fatalf("account check %+v, want alice's from %s", a, at)
	}
	c := n.Chore(at)
	if !c.CheckAccount || !c.CheckSince.Equal(at) || c.Codes != CodesOn {
		t.Errorf("chore %+v, want the check, with login codes on for it", c)
	}
	wantStatus(t, n, StatusHandover)
	if _, err := n.Reserve("h", bob, 30, CurrencyTON, DefaultPolicy(), at); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("reserved before the check: %v", err)
	}
}

func TestAccount_PendingDeletionBlocksWithItsDate(t *testing.T) {
	n, at := returnedNumber(t)
	until := at.Add(7 * day)
	must(t, n)(ev(n.AccountFound(at, AccountVerdict{Outcome: AccountDeletionPending, Until: until}, at)))
	if !n.Blocked || !strings.Contains(n.Reason, until.Format("2006-01-02")) || !n.Account.Blocked {
		t.Fatalf("blocked %v, reason %q, account %+v", n.Blocked, n.Reason, n.Account)
	}
	if c := n.Chore(until.Add(-time.Minute)); c.Any() && c.Codes != CodesOff {
		t.Errorf("chore %+v while the deletion waits, want nothing (codes off)", c)
	}
	if w := n.NextWake(DefaultPolicy().Reminders); !w.Equal(until) {
		t.Errorf("next wake %s, want the deletion date %s", w, until)
	}
	if c := n.Chore(until); !c.CheckAccount || c.Codes != CodesOn {
		t.Errorf("chore at the date %+v, want the check again with codes on", c)
	}
	if _, err := n.DeferAccountCheck(at); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("a locked account left to the admins: %v, want ErrAlreadyDecided", err)
	}
	must(t, n)(ev(n.AccountFound(at, AccountVerdict{Outcome: AccountDeleted}, until)))
	if n.Blocked || n.Account != nil {
		t.Errorf("blocked %v (%q), account %+v after the deletion", n.Blocked, n.Reason, n.Account)
	}
	wantStatus(t, n, StatusAvailable)
}

func TestAccount_Verdicts(t *testing.T) {
	tests := []struct {
		name    string
		v       AccountVerdict
		wErr    error
		blocked bool
	}{
		{"clean", AccountVerdict{Outcome: AccountClean}, nil, false}, // sessions ended once more: see below
		{"absent", AccountVerdict{Outcome: AccountAbsent}, nil, false},
		{"banned", AccountVerdict{Outcome: AccountBanned}, nil, true},
		{"pending without a date", AccountVerdict{Outcome: AccountDeletionPending}, ErrBadAccountVerdict, false},
		{"unknown outcome", AccountVerdict{Outcome: 99}, ErrBadAccountVerdict, false},
		{"an admin's outcome from the checker", AccountVerdict{Outcome: AccountCheckedByAdmin}, ErrBadAccountVerdict, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, at := returnedNumber(t)
			e, err := n.AccountFound(at, tc.v, at)
			if !errors.Is(err, tc.wErr) {
				t.Fatalf("err %v, want %v", err, tc.wErr)
			}
			if err != nil {
				return
			}
			applyN(t, n, e)
			if n.Account != nil || n.Blocked != tc.blocked {
				t.Errorf("account %+v, blocked %v; want done, blocked %v", n.Account, n.Blocked, tc.blocked)
			}
			if _, err := n.AccountFound(at, tc.v, at); !errors.Is(err, ErrAlreadyDecided) {
				t.Errorf("recorded twice: %v, want ErrAlreadyDecided", err)
			}
		})
	}
}

func TestAccount_CleanSignInEndsEverySessionAgain(t *testing.T) {
	n, at := returnedNumber(t)
	must(t, n)(ev(n.AccountFound(at, AccountVerdict{Outcome: AccountClean}, at.Add(time.Minute))))
	if h := n.Handover; h == nil || h.Reason != HandoverChecked || h.From != 0 {
		t.Fatalf("handover %+v, want one for the bot's own sign-in", h)
	}
	wantStatus(t, n, StatusHandover)
	if c := n.Chore(at); !c.EndSessions || c.CheckAccount {
		t.Errorf("chore %+v, want the sessions ended, no check", c)
	}
	must(t, n)(ev(n.SessionsEnded(at.Add(time.Minute), false, at.Add(2*time.Minute))))
	wantStatus(t, n, StatusAvailable)
}

func TestAccount_LeftToTheAdmins(t *testing.T) {
	n, at := returnedNumber(t)
	if _, err := n.DeferAccountCheck(at.Add(-time.Hour)); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("another check deferred: %v", err)
	}
	must(t, n)(ev(n.DeferAccountCheck(at)))
	wantStatus(t, n, StatusAvailable)
	if c := n.Chore(at); c.Any() && c.Codes != CodesOff {
		t.Errorf("chore %+v, want nothing: the admins check", c)
	}
	if _, err := n.CheckedByAdmin(0, at); !errors.Is(err, ErrBadUser) {
		t.Errorf("checked by nobody: %v", err)
	}
	must(t, n)(ev(n.CheckedByAdmin(carol, at)))
	if n.Account != nil {
		t.Errorf("account %+v after the admin's check", n.Account)
	}
	if _, err := n.CheckedByAdmin(carol, at); !errors.Is(err, ErrNoAccountCheck) {
		t.Errorf("checked twice: %v, want ErrNoAccountCheck", err)
	}
}

func TestAccount_RentingAgainEndsAManualCheck(t *testing.T) {
	n, at := returnedNumber(t)
	must(t, n)(ev(n.DeferAccountCheck(at)))
	must(t, n)(ev(n.Rent("r2", bob, 30, TONMoney(TON(10)), DefaultPolicy(), at)))
	if n.Account != nil {
		t.Errorf("account %+v after bob rented it", n.Account)
	}
}
