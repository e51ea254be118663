package domain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// journal collects the records of a scenario as the actors would append them.
type journal []Record

// replayNumber applies the decoded journal to a fresh Number.
func replayNumber(t testing.TB, j journal) *Number {
	t.Helper()
	n := &Number{}
	for i, r := range j {
		got := roundTrip(t, r)
		e, ok := got.Event.(NumberEvent)
		if !ok || got.Kind != KindNumber || got.ID != r.ID {
			t.Fatalf("record %d decoded as %+v", i, got)
		}
		n.Apply(e, uint64(i+1))
	}
	return n
}

// numberSim drives one number with random commands from three people,
// applying every event a decision returns and, like the scheduler, ticking
// whenever time passes.
type numberSim struct {
	t   testing.TB
	rng *rand.Rand
	p   Policy
	n   *Number
	now time.Time
	j   journal
	ops int
	// usdt makes the commands that name a currency pick one at random (the
	// policy then prices some periods in USDT); sold is what the journal's
	// rentals and renewals paid, per currency.
	usdt bool
	sold [2]Nano
}

func (s *numberSim) apply(e NumberEvent) {
	s.t.Helper()
	s.j = append(s.j, Record{Kind: KindNumber, ID: testNum, Event: e})
	switch x := e.(type) {
	case *NumberRented:
		s.sold[x.Currency] += x.Price
	case *NumberRenewed:
		s.sold[x.Currency] += x.Price
	}
	s.n.Apply(e, uint64(len(s.j)))
	s.check()
}

func (s *numberSim) try(e NumberEvent, err error) {
	s.t.Helper()
	if err == nil {
		s.apply(e)
	}
}

func (s *numberSim) user() UserID { return []UserID{alice, bob, carol, 0}[s.rng.IntN(4)] }

// likely is u half of the time, when there is a u, else anyone.
func (s *numberSim) likely(u UserID) UserID {
	if u != 0 && s.rng.IntN(2) == 0 {
		return u
	}
	return s.user()
}

// op is usually a fresh operation id, sometimes a recent one (a retry).
func (s *numberSim) op() OpID {
	if s.ops > 0 && s.rng.IntN(5) == 0 {
		return OpID(fmt.Sprint("op", s.ops-s.rng.IntN(min(s.ops, 4))))
	}
	s.ops++
	return OpID(fmt.Sprint("op", s.ops))
}

// days picks a period and its price in one currency: usually the current
// quote, sometimes the default (a stale quote).
func (s *numberSim) days() (int, Money) {
	pr := s.p.Prices[s.rng.IntN(len(s.p.Prices))]
	if q, err := Quote(s.n, s.p.Prices, pr.Days, pr.Currency); err == nil && s.rng.IntN(8) != 0 {
		return pr.Days, q
	}
	return pr.Days, pr.Money()
}

// currency is TON, or with usdt either currency.
func (s *numberSim) currency() Currency {
	if !s.usdt {
		return CurrencyTON
	}
	return Currencies()[s.rng.IntN(len(Currencies()))]
}

func (s *numberSim) step() {
	s.now = s.now.Add(time.Duration(s.rng.Int64N(int64([]time.Duration{time.Hour, 12 * time.Hour, 3 * day}[s.rng.IntN(3)]))))
	for _, e := range s.n.Tick(s.p, s.now) {
		s.apply(e.(NumberEvent))
	}
	n := s.n
	switch s.rng.IntN(26) { // 25: time only passes
	case 0, 1, 2:
		d, price := s.days()
		s.try(ev(n.Reserve(s.op(), s.user(), d, price.Currency, s.p, s.now)))
	case 3:
		if n.Hold != nil {
			s.try(ev(n.Release(n.Hold.Op, "cancelled", s.now)))
		}
	case 4, 5, 6:
		d, price := s.days()
		op := s.op()
		if n.Hold != nil && s.rng.IntN(2) == 0 {
			op = n.Hold.Op
		}
		s.try(ev(n.Rent(op, s.user(), d, price, s.p, s.now)))
	case 7, 8:
		d, price := s.days()
		s.try(ev(n.Renew(s.op(), s.user(), d, price, s.p, s.now)))
	case 9, 10:
		s.try(ev(n.OfferTransfer(s.op(), s.likely(n.Renter()), s.user(), s.p, s.now)))
	case 11, 12:
		to := UserID(0)
		if n.Offer != nil {
			to = n.Offer.To
		}
		s.try(ev(n.AcceptTransfer(s.likely(to), s.now)))
	case 13:
		s.try(ev(n.DeclineTransfer(s.user(), s.now)))
	case 14:
		s.try(ev(n.CancelTransfer(s.user())))
	case 15, 16, 17:
		s.try(ev(n.Reclaim(s.now)))
	case 18:
		if n.Blocked {
			s.try(ev(n.Unblock()))
		} else if s.rng.IntN(3) == 0 {
			s.try(ev(n.Block("spam")))
		}
	case 19:
		if s.rng.IntN(3) != 0 {
			break
		}
		s.try(ev(n.ExtendBy(OpID("x"+strconv.Itoa(s.rng.IntN(1<<20))), s.rng.IntN(81)-40, s.p, s.now)))
	case 20:
		if s.rng.IntN(4) != 0 {
			break
		}
		c, paid := s.currency(), Nano(0)
		if n.Rental != nil {
			paid = n.Rental.PaidIn(c)
		}
		refund := Money{Currency: c, Units: s.rng.Int64N(int64(paid)+2) - 1}
		s.try(ev(n.Cancel(s.op(), refund, s.now)))
	case 21:
		pr := s.p.Prices[s.rng.IntN(len(s.p.Prices))]
		s.try(ev(n.SetPrice(pr.Days, Money{Currency: pr.Currency, Units: s.rng.Int64N(3) * 5 * pr.Currency.Unit()})))
	case 22, 24: // the hand-over worker: what Fragment confirmed
		c := n.Chore(s.now)
		if c.Codes != CodesUnknown {
			s.apply(n.SetCodes(c.Codes, s.now))
		}
		if c.EndSessions {
			s.try(ev(n.SessionsEnded(c.Since, false, s.now)))
		}
		if c.CheckAccount {
			s.checkAccount(c.CheckSince)
		}
		if len(n.Refunds) > 0 { // the wallet confirmed a cancel's refund
			if e := n.RefundDone(n.Refunds[0].Op); e != nil {
				s.apply(e)
			}
		}
	case 23:
		if n.Account != nil && s.rng.IntN(4) == 0 {
			s.try(ev(n.CheckedByAdmin(carol, s.now)))
			break
		}
		s.try(ev(n.AlertHandover("Fragment is not answering")))
	}
}

// checkAccount plays the account checker: any verdict, or no checker.
func (s *numberSim) checkAccount(since time.Time) {
	if s.rng.IntN(4) == 0 {
		s.try(ev(s.n.DeferAccountCheck(since)))
		return
	}
	v := AccountVerdict{Outcome: []AccountOutcome{AccountClean, AccountAbsent, AccountDeleted,
		AccountDeletionPending, AccountDeletionPending, AccountBanned}[s.rng.IntN(6)]}
	if v.Outcome == AccountDeletionPending {
		v.Until = s.now.Add(7 * day)
	}
	s.try(s.n.AccountFound(since, v, s.now))
}

// check asserts what must hold of a number whatever happened to it.
func (s *numberSim) check() {
	s.t.Helper()
	n := s.n
	fail := func(format string, args ...any) {
		s.t.Helper()
		s.t.Fatalf("after %d events (last %#v): "+format, append([]any{len(s.j), s.j[len(s.j)-1].Event}, args...)...)
	}
	if n.Hold != nil && n.Rental != nil {
		fail("both a hold %+v and a rental %+v", n.Hold, n.Rental)
	}
	if n.Offer != nil && (n.Rental == nil || n.Rental.Expired || n.Offer.From != n.Rental.Renter) {
		fail("offer %+v without its renter's rental %+v", n.Offer, n.Rental)
	}
	open := 0
	for i, h := range n.History {
		if h.To.IsZero() {
			open++
			if i != len(n.History)-1 {
				fail("open holding %+v is not the last", h)
			}
		}
	}
	if r := n.Rental; r != nil {
		if open != 1 || n.History[len(n.History)-1].User != r.Renter {
			fail("rental %+v but history %+v", r, n.History)
		}
		if !r.Until.After(r.Since) || r.Paid < 0 || r.PaidUSDT < 0 || r.Paid+r.PaidUSDT <= 0 ||
			r.Reminded > len(s.p.Reminders) || !s.usdt && r.PaidUSDT != 0 {
			fail("rental %+v", r)
		}
	} else if open != 0 {
		fail("no rental but an open holding: %+v", n.History)
	}
	for _, c := range Currencies() {
		if n.SoldIn(c) != s.sold[c] {
			fail("sold %v in %s, the journal says %v", n.SoldIn(c), c, s.sold[c])
		}
	}
	if n.Hold != nil && !n.Hold.Currency.Known() {
		fail("hold %+v", n.Hold)
	}
	for _, r := range n.Refunds {
		if r.Amount <= 0 || !r.Currency.Known() || !s.usdt && r.Currency != CurrencyTON {
			fail("refund %+v", r)
		}
	}
	if w := n.NextWake(s.p.Reminders); !w.IsZero() {
		if evs := n.Tick(s.p, w.Add(-1)); len(evs) != 0 {
			fail("Tick before NextWake %v = %#v", w, evs)
		}
		if evs := n.Tick(s.p, w); len(evs) == 0 && !n.Chore(w).CheckAccount {
			fail("Tick at NextWake %v has nothing to do", w)
		}
	}
	if k := len(n.Ops) - recentOps; k > 0 && k <= len(n.OpsAt) && n.OpsAt[k-1].Before(s.now.Add(-OpRetention)) {
		fail("%d ops remembered, older than OpRetention beyond the last %d", len(n.Ops), recentOps)
	}
	if n.Handover != nil && n.Rental == nil && n.Hold != nil && n.Hold.Until.After(n.Handover.Since) {
		fail("reserved during a hand-over: %+v, %+v", n.Hold, n.Handover)
	}
}

func TestNumber_RandomLifecycle(t *testing.T) {
	// seeds 5 and up also price periods in USDT and pay, refund and set
	// prices in either currency
	for _, seed := range []uint64{1, 2, 3, 4, 5, 6} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := &numberSim{t: t, rng: rand.New(rand.NewPCG(seed, 99)), p: DefaultPolicy(), now: t0, usdt: seed >= 5}
			if s.usdt {
				s.p.Prices = bothPolicy().Prices
			}
			e, _ := AddNumber(testNum, t0)
			s.n = &Number{}
			s.apply(e)
			for range 3000 {
				s.step()
			}
			seen := map[EventType]int{}
			for _, r := range s.j {
				seen[r.Event.EventType()]++
			}
			for typ := TypeNumberAdded; typ <= TypeAccountChecked; typ++ {
				if typ == TypeNumberRemoved || typ == TypeNumberRestored { // admin-only, not in the walk
					continue
				}
				if seen[typ] == 0 {
					t.Errorf("the walk never produced event type %d", typ)
				}
			}
			if s.usdt {
				var paid, refunded [2]int
				for _, r := range s.j {
					switch e := r.Event.(type) {
					case *NumberRented:
						paid[e.Currency]++
					case *NumberRenewed:
						paid[e.Currency]++
					case *RentalCancelled:
						if e.Refund > 0 {
							refunded[e.Currency]++
						}
					}
				}
				if paid[CurrencyTON] == 0 || paid[CurrencyUSDT] == 0 || refunded[CurrencyUSDT] == 0 {
					t.Errorf("the walk paid %v and refunded %v times (TON, USDT): it must do both in USDT", paid, refunded)
				}
			}
			live := cloneNumber(s.n)
			if got := replayNumber(t, s.j); !reflect.DeepEqual(got, live) {
				t.Errorf("replayed number differs:\n got  %+v\n want %+v", got, live)
			}
		})
	}
}

func TestNumber_Replay(t *testing.T) {
	p := DefaultPolicy()
	var j journal
	n := &Number{}
	step := func(e NumberEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("event %d: %v", len(j)+1, err)
		}
		j = append(j, Record{Kind: KindNumber, ID: testNum, Event: e})
		n.Apply(e, uint64(len(j)))
	}
	tick := func(at time.Time) {
		t.Helper()
		for _, e := range n.Tick(p, at) {
			step(e.(NumberEvent), nil)
		}
	}
	end := t0.Add(30 * day)
	step(ev(AddNumber(testNum, t0)))
	step(ev(n.SetPrice(7, TONMoney(TON(3)))))
	step(ev(n.Reserve("h1", alice, 30, CurrencyTON, p, t0)))
	tick(t0.Add(time.Hour)) // hold lapses
	step(ev(n.Reserve("h2", alice, 30, CurrencyTON, p, t0.Add(2*time.Hour))))
	step(ev(n.Rent("h2", alice, 30, TONMoney(TON(10)), p, t0.Add(2*time.Hour))))
	end = end.Add(2 * time.Hour)
	tick(end.Add(-72 * time.Hour))
	step(ev(n.Renew("r1", alice, 60, TONMoney(TON(18)), p, end.Add(-70*time.Hour))))
	end = end.Add(60 * day)
	step(ev(n.OfferTransfer("o1", alice, bob, p, t0.Add(3*day))))
	step(ev(n.DeclineTransfer(bob, t0.Add(3*day+time.Hour))))
	step(ev(n.OfferTransfer("o2", alice, carol, p, t0.Add(4*day))))
	step(ev(n.AcceptTransfer(carol, t0.Add(4*day+time.Hour))))
	step(ev(n.Block("court order")))
	step(ev(n.Unblock()))
	step(ev(n.ExtendBy("x1", 1, p, t0.Add(5*day))))
	end = end.Add(day)
	tick(end.Add(-5 * time.Hour))
	tick(end)
	step(ev(n.Reclaim(end.Add(day))))
	if _, err := n.Rent("early", bob, 7, TONMoney(TON(3)), p, end.Add(2*day)); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("rented before the last renter's sessions were ended: %v", err)
	}
	step(n.SetCodes(CodesOff, end.Add(day)), nil)
	step(ev(n.SessionsEnded(n.Handover.Since, false, end.Add(day))))
	if _, err := n.Rent("early2", bob, 7, TONMoney(TON(3)), p, end.Add(2*day)); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("rented before the returned account was checked: %v", err)
	}
	step(ev(n.AccountFound(n.Account.Since, AccountVerdict{Outcome: AccountDeletionPending, Until: end.Add(8 * day)}, end.Add(day))))
	step(ev(n.AccountFound(n.Account.Since, AccountVerdict{Outcome: AccountDeleted}, end.Add(8*day))))
	step(ev(n.Rent("buy", bob, 7, TONMoney(TON(3)), p, end.Add(9*day))))
	step(ev(n.OfferTransfer("o3", bob, alice, p, end.Add(2*day))))
	step(ev(n.Cancel("c1", TONMoney(TON(1)), end.Add(3*day))))

	if len(n.History) != 5 {
		t.Errorf("history %+v", n.History)
	}
	live := cloneNumber(n)
	got := replayNumber(t, j)
	sameState(t, "replayed number", got, live)
	if again := replayNumber(t, j); !reflect.DeepEqual(again, got) {
		t.Error("two replays differ")
	}
}

func TestWallet_Replay(t *testing.T) {
	live, recs := randomWallet(t, 11, 1500)
	w := &Wallet{User: alice}
	for i, r := range recs {
		got := roundTrip(t, r)
		w.Apply(got.Event.(WalletEvent), uint64(i+1))
		if err := w.Check(); err != nil {
			t.Fatalf("replay step %d: %v", i, err)
		}
	}
	w.Seq = live.Seq // randomWallet numbers events by attempt, not by record
	got, want := walletView(w), walletView(live)
	sameState(t, "replayed wallet", got, want)
}

func TestPayments_Replay(t *testing.T) {
	p := NewPayments()
	var j journal
	step := func(e PaymentsEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		j = append(j, Record{Kind: KindPayments, Event: e})
		p.Apply(e, uint64(len(j)))
	}
	in := t0.Add(time.Minute)
	step(pev(p.Open(aliceInvoice(), 30*time.Minute, t0)))
	inv := aliceInvoice()
	inv.Code, inv.Op, inv.User = "ABCD-EFGH", "inv-b", bob
	step(pev(p.Open(inv, 30*time.Minute, t0)))
	step(pev(p.Receive(pay(1, TON(10), codeA), in)))
	step(pev(p.Receive(pay(2, TON(10), codeA), in)))
	step(pev(p.Receive(pay(3, TON(5), "hello"), in)))
	step(pev(p.Receive(pay(4, 1, "spam"), in)))
	step(pev(p.Assign(pay(3, 0, "").Tx.Key(), carol)))
	step(pev(p.Close("ABCD-EFGH", InvoiceExpired, t0.Add(time.Hour))))

	fresh := NewPayments()
	for i, r := range j {
		fresh.Apply(roundTrip(t, r).Event.(PaymentsEvent), uint64(i+1))
	}
	sameState(t, "replayed payments", fresh, p)
}

func TestUsers_Replay(t *testing.T) {
	d := NewUsers()
	var j journal
	step := func(e UsersEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		j = append(j, Record{Kind: KindUsers, Event: e})
		d.Apply(e, uint64(len(j)))
	}
	step(uev(d.Seen(User{ID: alice, Username: "Alice", Lang: "en"}, t0)))
	step(uev(d.Seen(User{ID: bob, Name: "Bob"}, t0)))
	step(uev(d.Register(alice, "Ali")))
	step(uev(d.Decide(alice, ApprovalApproved)))
	step(uev(d.Seen(User{ID: alice, Username: "Alice2", Lang: "en", Premium: true}, t0.Add(time.Hour))))

	fresh := NewUsers()
	for i, r := range j {
		fresh.Apply(roundTrip(t, r).Event.(UsersEvent), uint64(i+1))
	}
	got := usersView(fresh)
	sameState(t, "replayed users", got, usersView(d))
	if u, err := fresh.Find("@alice2"); err != nil || u.ID != alice {
		t.Errorf("Find after replay = %+v, %v", u, err)
	}
}

// uev adapts a users decision's typed result to a UsersEvent.
func uev[E UsersEvent](e E, err error) (UsersEvent, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}
