package domain

import (
	"errors"
	"testing"
	"time"
)

func TestNumber_Chore(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		name  string
		setup func(t testing.TB) *Number
		want  Chore
	}{
		{"free, codes never confirmed: off", freeNumber, Chore{Codes: CodesOff}},
		{"rented: codes on", func(t testing.TB) *Number { return rentedNumber(t, alice) }, Chore{Codes: CodesOn}},
		{"rented, codes on: nothing", func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			applyN(t, n, n.SetCodes(CodesOn, t0))
			return n
		}, Chore{}},
		{"expired: codes off, sessions ended", func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			applyN(t, n, n.SetCodes(CodesOn, t0))
			applyN(t, n, &RentalExpired{At: t0.Add(30 * day)})
			return n
		}, Chore{Codes: CodesOff, EndSessions: true, Since: t0.Add(30 * day)}},
		{"transferred: codes stay on, the giver's sessions ended", func(t testing.TB) *Number {
			n := offeredNumber(t)
			applyN(t, n, n.SetCodes(CodesOn, t0))
			must(t, n)(ev(n.AcceptTransfer(bob, t0.Add(2*time.Hour))))
			return n
		}, Chore{EndSessions: true, Since: t0.Add(2 * time.Hour)}},
		{"revived before its sessions were ended: the renter keeps them", func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			applyN(t, n, n.SetCodes(CodesOn, t0))
			applyN(t, n, &RentalExpired{At: t0.Add(30 * day)})
			must(t, n)(ev(n.ExtendBy("x1", 5, p, t0.Add(30*day+time.Hour))))
			return n
		}, Chore{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.setup(t).Chore(t0.Add(31 * day)); got != tc.want {
				t.Errorf("Chore = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNumber_SessionsEnded(t *testing.T) {
	end := t0.Add(30 * day)
	n := expiredNumber(t)
	if _, err := n.SessionsEnded(end.Add(-time.Hour), false, end); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("another hand-over's completion: %v, want ErrAlreadyDecided", err)
	}
	if _, err := n.Rent("r2", bob, 30, TONMoney(TON(10)), DefaultPolicy(), end); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("rent during the hand-over: %v, want ErrNotAvailable", err)
	}
	if _, err := n.Reserve("h2", bob, 30, CurrencyTON, DefaultPolicy(), end); !errors.Is(err, ErrNotAvailable) {
		t.Errorf("reserve during the hand-over: %v, want ErrNotAvailable", err)
	}
	must(t, n)(ev(n.AlertHandover("Fragment: session expired")))
	if _, err := n.AlertHandover("again"); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("a second alert: %v, want ErrAlreadyDecided", err)
	}
	must(t, n)(ev(n.SessionsEnded(end, false, end)))
	if n.Handover != nil {
		t.Fatalf("handover %+v after it was done", n.Handover)
	}
	if _, err := n.SessionsEnded(end, false, end); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("done twice: %v, want ErrAlreadyDecided", err)
	}
	must(t, n)(ev(n.Reclaim(end.Add(day))))
	wantStatus(t, n, StatusHandover) // its account is checked before it is offered
	must(t, n)(ev(n.DeferAccountCheck(end.Add(day))))
	wantStatus(t, n, StatusAvailable)
}
