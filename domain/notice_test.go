package domain

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// tickApply ticks n at now and applies what is due, returning the events.
func tickApply(t testing.TB, n *Number, now time.Time) []NumberEvent {
	t.Helper()
	var evs []NumberEvent
	for _, e := range n.Tick(DefaultPolicy(), now) {
		evs = append(evs, e.(NumberEvent))
	}
	if len(evs) == 0 {
		t.Fatalf("nothing due at %s", now)
	}
	applyN(t, n, evs...)
	return evs
}

// wantNotices fails t unless n owes exactly want (Seq included).
func wantNotices(t testing.TB, n *Number, want ...OwedNotice) {
	t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(n.Notices, want) {
		t.Fatalf("owed notices\n got  %+v\n want %+v", n.Notices, want)
	}
}

func TestNumber_NoticesOwedByTheirEvents(t *testing.T) {
	end := t0.Add(30 * day)
	tests := []struct {
		name  string
		setup func(t testing.TB) *Number
		now   time.Time
		want  OwedNotice // Seq is the event's
	}{
		{"reminder", func(t testing.TB) *Number { return rentedNumber(t, alice) }, end.Add(-72 * time.Hour),
			OwedNotice{About: NoticeReminder, User: alice, Until: end}},
		{"expiry", func(t testing.TB) *Number { return rentedNumber(t, alice) }, end,
			OwedNotice{About: NoticeExpired, User: alice, Until: end, At: end}},
		{"lapsed reservation", func(t testing.TB) *Number { return heldNumber(t, bob) }, t0.Add(30 * time.Minute),
			OwedNotice{About: NoticeHoldLapsed, User: bob, Op: "hold", At: t0.Add(30 * time.Minute)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.setup(t)
			evs := tickApply(t, n, tc.now)
			tc.want.Seq = n.Seq
			wantNotices(t, n, tc.want)
			got, ok := n.OwedNotice(n.Seq)
			if !ok {
				t.Fatal("OwedNotice(its event's seq) finds nothing")
			}
			wantEvent(t, got.Event(), evs[0]) // what recovery tells is what was journaled
		})
	}
}

func TestNumber_NoticesNotOwed(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t testing.TB) *Number
		event func(n *Number) (NumberEvent, error)
	}{
		{"reservation cancelled", func(t testing.TB) *Number { return heldNumber(t, bob) },
			func(n *Number) (NumberEvent, error) { return ev(n.Release("hold", "cancelled", t0)) }},
		{"offer declined", offeredNumber,
			func(n *Number) (NumberEvent, error) { return ev(n.DeclineTransfer(bob, t0.Add(2*time.Hour))) }},
		{"offer cancelled", offeredNumber,
			func(n *Number) (NumberEvent, error) { return ev(n.CancelTransfer(alice)) }},
		{"offer lapsed: told to nobody, as before", offeredNumber,
			func(n *Number) (NumberEvent, error) {
				return n.Tick(DefaultPolicy(), t0.Add(25*time.Hour))[0].(NumberEvent), nil
			}},
		{"reminder already applied", func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			n.Rental.Reminded = 2
			return n
		}, func(*Number) (NumberEvent, error) {
			return &ReminderDue{Step: 1, Renter: alice, Until: t0.Add(30 * day)}, nil
		}},
		{"expiry of no rental", freeNumber,
			func(*Number) (NumberEvent, error) { return &RentalExpired{At: t0}, nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.setup(t)
			must(t, n)(tc.event(n))
			wantNotices(t, n)
		})
	}
}

func TestNumber_NoticeDone(t *testing.T) {
	n := rentedNumber(t, alice)
	tickApply(t, n, t0.Add(30*day))
	seq := n.Seq
	if e := n.NoticeDone(seq + 1); e != nil {
		t.Fatalf("NoticeDone of a notice never owed = %+v, want nil", e)
	}
	e := n.NoticeDone(seq)
	wantEvent(t, e, &NoticeTold{Seq: seq})
	applyN(t, n, e)
	wantNotices(t, n)
	if e := n.NoticeDone(seq); e != nil {
		t.Fatalf("NoticeDone after it was told = %+v, want nil: told once is enough", e)
	}
	if _, ok := n.OwedNotice(seq); ok {
		t.Fatal("the told notice is still owed")
	}
}

func TestNumber_NoticesReplacedAndDropped(t *testing.T) {
	end := t0.Add(30 * day)
	t.Run("a later reminder replaces the earlier", func(t *testing.T) {
		n := rentedNumber(t, alice)
		tickApply(t, n, end.Add(-72*time.Hour))
		tickApply(t, n, end.Add(-24*time.Hour))
		wantNotices(t, n, OwedNotice{Seq: n.Seq, About: NoticeReminder, User: alice, Until: end, Step: 1})
	})
	t.Run("the expiry replaces the reminder", func(t *testing.T) {
		n := rentedNumber(t, alice)
		tickApply(t, n, end.Add(-time.Hour))
		if len(n.Notices) != 1 {
			t.Fatalf("owed %+v, want the reminder", n.Notices)
		}
		tickApply(t, n, end)
		wantNotices(t, n, OwedNotice{Seq: n.Seq, About: NoticeExpired, User: alice, Until: end, At: end})
	})
	t.Run("a lapsed reservation and an expiry are owed side by side", func(t *testing.T) {
		n := heldNumber(t, bob)
		tickApply(t, n, t0.Add(30*time.Minute))
		lapse := n.Notices[0]
		must(t, n)(ev(n.Rent("rent", alice, 30, TONMoney(TON(10)), DefaultPolicy(), t0.Add(time.Hour))))
		tickApply(t, n, t0.Add(time.Hour+30*day))
		wantNotices(t, n, lapse, OwedNotice{Seq: n.Seq, About: NoticeExpired, User: alice,
			Until: t0.Add(time.Hour + 30*day), At: t0.Add(time.Hour + 30*day)})
	})
	t.Run("a renewal makes the reminder untrue", func(t *testing.T) {
		n := rentedNumber(t, alice)
		tickApply(t, n, end.Add(-6*time.Hour))
		must(t, n)(ev(n.Renew("renew", alice, 30, TONMoney(TON(10)), DefaultPolicy(), end.Add(-5*time.Hour))))
		wantNotices(t, n)
	})
	t.Run("an admin reviving the rental takes back its expiry", func(t *testing.T) {
		n := rentedNumber(t, alice)
		tickApply(t, n, end)
		applyN(t, n, &RentalExtended{Until: end.Add(10 * day), Days: 10})
		wantNotices(t, n)
	})
	t.Run("the expiry stays owed after the number is reclaimed", func(t *testing.T) {
		n := rentedNumber(t, alice)
		tickApply(t, n, end)
		seq := n.Seq
		must(t, n)(ev(n.Reclaim(end.Add(time.Hour))))
		wantNotices(t, n, OwedNotice{Seq: seq, About: NoticeExpired, User: alice, Until: end, At: end})
	})
	t.Run("reserving again makes the lapse untrue", func(t *testing.T) {
		n := heldNumber(t, bob)
		tickApply(t, n, t0.Add(30*time.Minute))
		must(t, n)(ev(n.Reserve("again", bob, 30, CurrencyTON, DefaultPolicy(), t0.Add(time.Hour))))
		wantNotices(t, n)
	})
}

// TestNumber_NoticesBounded: a number reserved and let lapse by many
// people while nothing is told owes only the newest maxNotices.
func TestNumber_NoticesBounded(t *testing.T) {
	n := freeNumber(t)
	now := t0
	for u := UserID(1); u <= 3*maxNotices; u++ {
		must(t, n)(ev(n.Reserve(OpID(rune('a'+u)), u, 30, CurrencyTON, DefaultPolicy(), now)))
		now = n.Hold.Until
		tickApply(t, n, now)
	}
	if len(n.Notices) != maxNotices {
		t.Fatalf("%d notices owed, want %d", len(n.Notices), maxNotices)
	}
	if first := n.Notices[0].User; first != 2*maxNotices+1 {
		t.Errorf("the oldest kept is user %d's, want %d's: the newest are kept", first, 2*maxNotices+1)
	}
}

func TestOwedNotice_Overtaken(t *testing.T) {
	end := t0.Add(30 * day)
	tests := []struct {
		name string
		o    OwedNotice
		now  time.Time
		want bool
	}{
		{"reminder before the end", OwedNotice{About: NoticeReminder, Until: end}, end.Add(-time.Second), false},
		{"reminder at the end", OwedNotice{About: NoticeReminder, Until: end}, end, true},
		{"expiry long after", OwedNotice{About: NoticeExpired, Until: end}, end.Add(90 * day), false},
		{"lapsed reservation", OwedNotice{About: NoticeHoldLapsed, At: t0}, end, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.o.Overtaken(tc.now); got != tc.want {
				t.Errorf("Overtaken = %v, want %v", got, tc.want)
			}
		})
	}
}

func arbitraryNotices(r *rand.Rand) []OwedNotice {
	var ns []OwedNotice
	for i := r.IntN(4); i > 0; i-- {
		ns = append(ns, OwedNotice{Seq: r.Uint64N(1e9), About: NoticeKind(1 + r.IntN(3)), User: UserID(r.Int64N(1e9)),
			Until: randomTime(r), Step: r.IntN(4), Op: OpID([]string{"", "hold"}[r.IntN(2)]), At: randomTime(r)})
	}
	return ns
}

// TestNumber_NoticesCodec: the hand-written codec writes the owed notices
// as reflection does and reads them back, and a number written before
// they existed reads as owing none.
func TestNumber_NoticesCodec(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 500; i++ {
		n := arbitraryNumber(r)
		n.Notices = arbitraryNotices(r)
		b, err := msgpack.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		var back Number
		var plain plainNumber
		if err := msgpack.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, n) {
			t.Fatalf("number %d round trip: %v\n got %+v\nwant %+v", i, err, back, n)
		}
		if err := unmarshalReflect(b, &plain); err != nil || !reflect.DeepEqual(Number(plain), n) {
			t.Fatalf("number %d: reflection reads %+v, %v; want %+v", i, Number(plain), err, n)
		}
		pb, err := msgpack.Marshal(plainNumber(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := msgpack.Unmarshal(pb, &back); err != nil || !reflect.DeepEqual(back, n) {
			t.Fatalf("number %d from reflection: %v\n got %+v\nwant %+v", i, err, back, n)
		}
	}
	// Before: the same fields without the notices' key, as older builds wrote.
	old := rentedNumber(t, alice)
	b, err := msgpack.Marshal(plainNumber(*old))
	if err != nil {
		t.Fatal(err)
	}
	var back Number
	if err := msgpack.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	sameState(t, "number written before notices were owed", &back, old)
	if back.Notices != nil {
		t.Errorf("an old number owes %+v, want none", back.Notices)
	}
}
