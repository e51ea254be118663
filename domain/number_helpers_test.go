package domain

import (
	"reflect"
	"testing"
	"time"
)

// ev adapts a decision's typed result to a NumberEvent, so that a nil
// pointer never turns into a non-nil interface.
func ev[E NumberEvent](e E, err error) (NumberEvent, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}

// applyN applies evs to n with consecutive sequence numbers.
func applyN(t testing.TB, n *Number, evs ...NumberEvent) {
	t.Helper()
	for _, e := range evs {
		n.Apply(e, n.Seq+1)
	}
}

// must applies the event of a decision that has to succeed.
func must(t testing.TB, n *Number) func(NumberEvent, error) {
	t.Helper()
	return func(e NumberEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup decision failed: %v", err)
		}
		applyN(t, n, e)
	}
}

// freeNumber is testNum just added at t0.
func freeNumber(t testing.TB) *Number {
	t.Helper()
	e, err := AddNumber(testNum, t0)
	if err != nil {
		t.Fatal(err)
	}
	n := &Number{}
	applyN(t, n, e)
	return n
}

// heldNumber is reserved by user with op "hold" for 30 days at t0.
func heldNumber(t testing.TB, user UserID) *Number {
	t.Helper()
	n := freeNumber(t)
	must(t, n)(ev(n.Reserve("hold", user, 30, CurrencyTON, DefaultPolicy(), t0)))
	return n
}

// rentedNumber is rented by user with op "rent" for 30 days from t0 at the
// default price, so Until is t0 + 30 days.
func rentedNumber(t testing.TB, user UserID) *Number {
	t.Helper()
	n := freeNumber(t)
	must(t, n)(ev(n.Rent("rent", user, 30, TONMoney(TON(10)), DefaultPolicy(), t0)))
	return n
}

// offeredNumber is rented by alice, who offered it to bob with op "offer"
// at t0+1h, so the offer expires at t0+25h.
func offeredNumber(t testing.TB) *Number {
	t.Helper()
	n := rentedNumber(t, alice)
	must(t, n)(ev(n.OfferTransfer("offer", alice, bob, DefaultPolicy(), t0.Add(time.Hour))))
	return n
}

// expiredNumber is rentedNumber(alice) after its end.
func expiredNumber(t testing.TB) *Number {
	t.Helper()
	n := rentedNumber(t, alice)
	applyN(t, n, &RentalExpired{At: t0.Add(30 * day)})
	return n
}

func blocked(t testing.TB, n *Number) *Number {
	t.Helper()
	must(t, n)(ev(n.Block("abuse")))
	return n
}

// numberCase is one decision on a number: on error the number must be
// deeply unchanged; on success the decision must not have touched it either,
// and check sees the number after the event is applied.
type numberCase struct {
	name   string
	setup  func(t testing.TB) *Number
	decide func(n *Number) (NumberEvent, error)
	wErr   error
	check  func(t *testing.T, n *Number, e NumberEvent)
}

func runNumberCases(t *testing.T, cases []numberCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.setup(t)
			before := cloneNumber(n)
			e, err := tc.decide(n)
			wantErr(t, err, tc.wErr)
			sameState(t, "number after decision", n, before)
			if tc.wErr != nil {
				if e != nil {
					t.Errorf("refused decision returned an event %#v", e)
				}
				return
			}
			if e == nil {
				t.Fatal("decision returned neither event nor error")
			}
			applyN(t, n, e)
			if n.Seq != before.Seq+1 {
				t.Errorf("Seq = %d, want %d", n.Seq, before.Seq+1)
			}
			if tc.check != nil {
				tc.check(t, n, e)
			}
		})
	}
}

func wantEvent(t testing.TB, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event:\n got  %#v\n want %#v", got, want)
	}
}

func wantStatus(t testing.TB, n *Number, w NumberStatus) {
	t.Helper()
	if got := n.Status(); got != w {
		t.Errorf("Status() = %v, want %v", got, w)
	}
}

// twoDayPolicy is the default policy with a price for 2 days.
func twoDayPolicy() Policy {
	p := DefaultPolicy()
	p.Prices = p.Prices.With(2, CurrencyTON, TON(1))
	return p
}
