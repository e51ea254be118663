package actors

import (
	"errors"
	"sync"
	"testing"
	"time"

	"allot/domain"
)

// noticeLog collects the notices an engine raises.
type noticeLog struct {
	mu  sync.Mutex
	got []Notice
}

func (l *noticeLog) add(n Notice) { l.mu.Lock(); l.got = append(l.got, n); l.mu.Unlock() }

func (l *noticeLog) all() []Notice {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Notice(nil), l.got...)
}

// expireRental has alice rent num1 for 30 days and lets the clock run past
// its end; it returns once the expiry is durable and raised.
func expireRental(t *testing.T, e *Engine, c *clock, l *noticeLog) Notice {
	t.Helper()
	seed(t, e, domain.TON(100), num1)
	if _, err := e.RentFromBalance(ctxT(t), "r", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	c.Add(31 * 24 * time.Hour)
	e.Advance()
	mustOK(t, e.Drain(ctxT(t)))
	waitFor(t, func() bool { return len(l.all()) == 1 })
	n := l.all()[0]
	if _, ok := n.Event.(*domain.RentalExpired); !ok || n.User != alice || n.Seq == 0 {
		t.Fatalf("raised %+v, want alice's expiry with its sequence", n)
	}
	return n
}

// wantOwedRaised fails t unless l holds exactly the expiry first.
func wantOwedRaised(t *testing.T, l *noticeLog, first Notice) {
	t.Helper()
	got := l.all()
	if len(got) != 1 {
		t.Fatalf("raised %d notices at the start (%+v), want the one owed", len(got), got)
	}
	n := got[0]
	if _, ok := n.Event.(*domain.RentalExpired); !ok || n.Seq != first.Seq || n.User != alice ||
		n.Number != num1 || !n.Until.Equal(first.Until) {
		t.Fatalf("raised %+v, want %+v again", n, first)
	}
}

// TestEngine_OwedNoticeRaisedAgainUntilTold: a notice the bot never
// acknowledged (it was killed before Telegram took it) is raised again as
// the engine opens, from a snapshot or from the journal alone; once
// acknowledged, no start raises it again.
func TestEngine_OwedNoticeRaisedAgainUntilTold(t *testing.T) {
	for _, crash := range []bool{false, true} {
		name := map[bool]string{false: "closed", true: "crashed"}[crash]
		t.Run(name, func(t *testing.T) {
			dir, c := t.TempDir(), newClock()
			first := &noticeLog{}
			e := openTest(t, dir, c, func(o *Options) { o.Notify, o.NoFinalSnapshot = first.add, crash })
			told := expireRental(t, e, c, first)
			mustOK(t, e.Close(ctxT(t)))

			again := &noticeLog{}
			e = openTest(t, dir, c, func(o *Options) { o.Notify, o.NoFinalSnapshot = again.add, crash })
			wantOwedRaised(t, again, told) // raised within Open, before any tick
			mustOK(t, e.NoticeTold(ctxT(t), num1, told.Seq))
			if n := mustNumber(t, e, num1); len(n.Notices) != 0 {
				t.Errorf("still owed after the acknowledgement: %+v", n.Notices)
			}
			mustOK(t, e.Close(ctxT(t)))

			last := &noticeLog{}
			e = openTest(t, dir, c, func(o *Options) { o.Notify, o.NoFinalSnapshot = last.add, crash })
			mustOK(t, e.Drain(ctxT(t)))
			if got := last.all(); len(got) != 0 {
				t.Errorf("raised %+v after it was told, want nothing", got)
			}
		})
	}
}

// TestEngine_ToldNoticeNotRaisedAgain: acknowledged in the run that raised
// it, a notice is not raised at the next start; acknowledging twice, or a
// notice never owed, does nothing.
func TestEngine_ToldNoticeNotRaisedAgain(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	l := &noticeLog{}
	e := openTest(t, dir, c, func(o *Options) { o.Notify = l.add })
	told := expireRental(t, e, c, l)
	ctx := ctxT(t)
	mustOK(t, e.NoticeTold(ctx, num1, told.Seq))
	mustOK(t, e.NoticeTold(ctx, num1, told.Seq))
	mustOK(t, e.NoticeTold(ctx, num1, told.Seq+1000))
	if err := e.NoticeTold(ctx, num2, told.Seq); !errors.Is(err, domain.ErrNumberNotFound) {
		t.Errorf("NoticeTold of an unknown number = %v, want ErrNumberNotFound", err)
	}
	mustOK(t, e.Close(ctx))

	again := &noticeLog{}
	e = openTest(t, dir, c, func(o *Options) { o.Notify = again.add })
	mustOK(t, e.Drain(ctxT(t)))
	if got := again.all(); len(got) != 0 {
		t.Errorf("raised %+v after it was told, want nothing", got)
	}
	mustCheck(t, e)
}

// TestEngine_ReminderOvertakenWhileDown: a reminder raised but never told
// when the process stopped, and the rental ended before it started again:
// the start tells the expiry alone, once, not a reminder of an end that
// has come; a further start tells nothing more.
func TestEngine_ReminderOvertakenWhileDown(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	l := &noticeLog{}
	e := openTest(t, dir, c, func(o *Options) { o.Notify = l.add })
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	if _, err := e.RentFromBalance(ctx, "r", alice, num1, 30); err != nil {
		t.Fatal(err)
	}
	c.Add(30*24*time.Hour - 2*time.Hour) // the 6 h reminder is due
	e.Advance()
	waitFor(t, func() bool { return len(l.all()) == 1 })
	if _, ok := l.all()[0].Event.(*domain.ReminderDue); !ok {
		t.Fatalf("raised %+v, want a reminder", l.all()[0])
	}
	mustOK(t, e.Close(ctx))

	c.Add(3 * time.Hour) // down past the end
	for start := 2; start <= 3; start++ {
		l = &noticeLog{}
		e = openTest(t, dir, c, func(o *Options) { o.Notify = l.add })
		e.Advance()
		mustOK(t, e.Drain(ctxT(t)))
		if start == 2 {
			waitFor(t, func() bool { return len(l.all()) > 0 })
		}
		time.Sleep(20 * time.Millisecond) // a second would come right after
		got := l.all()
		if start == 2 {
			if len(got) != 1 {
				t.Fatalf("start 2 raised %+v, want the expiry alone", got)
			}
			if _, ok := got[0].Event.(*domain.RentalExpired); !ok {
				t.Fatalf("start 2 raised %+v, want the expiry", got[0])
			}
			mustOK(t, e.NoticeTold(ctxT(t), num1, got[0].Seq))
		} else if len(got) != 0 {
			t.Fatalf("start 3 raised %+v, want nothing", got)
		}
		mustOK(t, e.Close(ctxT(t)))
	}
}

// TestEngine_ARenewalLeavesTheEarlierWakeUp: a renewal moves its number's
// next wake-up later without telling the scheduler (numberTurn). The
// wake-up the scheduler kept comes to nothing when it fires, and the
// renewed rental still gets its reminders, then its end.
func TestEngine_ARenewalLeavesTheEarlierWakeUp(t *testing.T) {
	c := newClock()
	l := &noticeLog{}
	e := openTest(t, t.TempDir(), c, func(o *Options) { o.Notify = l.add })
	seed(t, e, domain.TON(100), num1)
	ctx := ctxT(t)
	rent, err := e.RentFromBalance(ctx, "r", alice, num1, 30)
	mustOK(t, err)
	renewed, err := e.RenewFromBalance(ctx, "n", alice, num1, 30)
	mustOK(t, err)
	advanceTo := func(at time.Time) {
		t.Helper()
		c.Add(at.Sub(c.Now()))
		e.Advance()
		mustOK(t, e.Drain(ctx))
	}
	advanceTo(rent.Until.Add(-71 * time.Hour)) // the first rental's first reminder was due an hour ago
	if got := l.all(); len(got) != 0 {
		t.Fatalf("the wake-up before the renewal raised %+v", got)
	}
	if n := mustNumber(t, e, num1); n.Rental.Reminded != 0 || !n.Rental.Until.Equal(renewed.Until) {
		t.Fatalf("the wake-up before the renewal changed the rental: %+v", n.Rental)
	}
	advanceTo(renewed.Until.Add(-71 * time.Hour))
	waitFor(t, func() bool { return len(l.all()) == 1 })
	if got := l.all()[0]; got.Event == nil || got.User != alice {
		t.Fatalf("raised %+v, want alice's first reminder", got)
	}
	if _, ok := l.all()[0].Event.(*domain.ReminderDue); !ok {
		t.Fatalf("raised %T, want the first reminder", l.all()[0].Event)
	}
	advanceTo(renewed.Until.Add(time.Minute))
	if n := mustNumber(t, e, num1); n.Rental != nil && !n.Rental.Expired {
		t.Fatalf("the renewed rental did not end at its end: %+v", n.Rental)
	}
}
