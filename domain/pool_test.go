package domain

import (
	"errors"
	"testing"
	"time"
)

var accountStatuses = []string{"good", "blocked", "defective"}

func poolWith(t *testing.T, n int, now time.Time) *Pool {
	t.Helper()
	p := NewPool("vk:495:male")
	var rows [][]string
	var claims []string
	for i := 0; i < n; i++ {
		rows = append(rows, []string{"login" + string(rune('a'+i)), "pass"})
		claims = append(claims, "c"+string(rune('a'+i)))
	}
	ev, err := p.Load(rows, claims, now)
	if err != nil || ev == nil {
		t.Fatalf("Load: %v, %v", ev, err)
	}
	p.Apply(ev, 1)
	return p
}

func TestPoolLoadsEachClaimOnceAndIssuesOldestFirst(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := poolWith(t, 3, now)
	if again, err := p.Load([][]string{{"x"}}, []string{"ca"}, now); again != nil || err != nil {
		t.Fatalf("a repeated claim entered again: %+v, %v", again, err)
	}
	if !p.NeedsRefill(10) || p.NeedsRefill(3) {
		t.Fatal("NeedsRefill")
	}
	ev, err := p.Issue("op1", 7, 2, 5, now)
	if err != nil || len(ev.IDs) != 2 || ev.IDs[0] != "vk:495:male#1" {
		t.Fatalf("Issue: %+v, %v", ev, err)
	}
	p.Apply(ev, 2)
	if len(p.Available) != 1 || len(p.Pending) != 2 {
		t.Fatalf("after issue: %d available, %d pending", len(p.Available), len(p.Pending))
	}
	if _, err := p.Issue("op1", 7, 1, 5, now); !errors.Is(err, ErrDuplicateOp) {
		t.Fatalf("the same op again: %v", err)
	}
	for _, bad := range []int{0, 6} {
		if _, err := p.Issue("op2", 7, bad, 5, now); !errors.Is(err, ErrNotPermitted) {
			t.Fatalf("issuing %d: %v", bad, err)
		}
	}
	// A claimed row that is pending is not loaded again either.
	if again, _ := p.Load([][]string{{"x"}}, []string{"cb"}, now); again != nil {
		t.Fatal("a pending row's claim loaded again")
	}
}

func TestFeedbackAutoConfirmAndFlush(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := poolWith(t, 3, now)
	ev, _ := p.Issue("op1", 7, 3, 5, now)
	p.Apply(ev, 2)
	if _, err := p.Feedback(8, "vk:495:male#1", "good", accountStatuses, now); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("someone else's feedback: %v", err)
	}
	if _, err := p.Feedback(7, "vk:495:male#1", "lovely", accountStatuses, now); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("an unknown status: %v", err)
	}
	fb, err := p.Feedback(7, "vk:495:male#1", "blocked", accountStatuses, now)
	if err != nil {
		t.Fatal(err)
	}
	p.Apply(fb, 3)
	if _, err := p.Feedback(7, "vk:495:male#1", "good", accountStatuses, now); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("feedback twice: %v", err)
	}
	// Ten minutes later the rest auto-confirm as good, in id order.
	if due := p.Tick(10*time.Minute, "good", now.Add(9*time.Minute)); len(due) != 0 {
		t.Fatalf("auto-confirmed early: %v", due)
	}
	if w := p.NextWake(10 * time.Minute); !w.Equal(now.Add(10 * time.Minute)) {
		t.Fatalf("NextWake %v", w)
	}
	due := p.Tick(10*time.Minute, "good", now.Add(10*time.Minute))
	if len(due) != 2 || due[0].(*FeedbackGiven).ID != "vk:495:male#2" || !due[0].(*FeedbackGiven).Auto {
		t.Fatalf("Tick: %+v", due)
	}
	for i, e := range due {
		p.Apply(e.(PoolEvent), uint64(4+i))
	}
	if len(p.Buffer) != 3 || len(p.Pending) != 0 {
		t.Fatalf("buffer %d, pending %d", len(p.Buffer), len(p.Pending))
	}
	// The whole buffer goes out as one batch, and leaves when it landed.
	st, err := p.StartFlush("f1", now)
	if err != nil || st == nil {
		t.Fatal(err)
	}
	p.Apply(st, 6)
	if len(p.Buffer) != 0 || len(p.Flushing["f1"].Entries) != 3 {
		t.Fatalf("flushing: %+v", p.Flushing)
	}
	if again, _ := p.StartFlush("f2", now); again != nil {
		t.Fatal("an empty buffer started a flush")
	}
	done, err := p.FinishFlush("f1")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Clone()
	p.Apply(done, 7)
	if len(p.Flushing) != 0 || len(c.Flushing) != 1 {
		t.Fatal("FinishFlush, or Clone shares state")
	}
	if _, err := p.FinishFlush("f1"); !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("finishing twice: %v", err)
	}
}

func TestPoolEventsRoundTripTheCodec(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, ev := range []Event{&StockLoaded{Rows: [][]string{{"a", "b"}}, Claims: []string{"c"}, At: now},
		&StockIssued{Op: "o", User: 7, IDs: []string{"k#1"}, At: now}, &FeedbackGiven{ID: "k#1", Status: "good", At: now, Auto: true},
		&FlushStarted{ID: "f", At: now}, &FlushFinished{ID: "f"}} {
		b, err := EncodeRecord(Record{Kind: KindPool, ID: "vk:495:male", Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeRecord(b); err != nil {
			t.Fatalf("%T: %v", ev, err)
		}
	}
}
