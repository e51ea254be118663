package domain

import (
	"errors"
	"testing"
	"time"
)

func TestPayments_Prune_HeldByGap(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	gap := ChainGap{FromLT: 10, From: t0, ToLT: 20, To: t0.Add(24 * time.Hour), Found: t0.Add(48 * time.Hour)}
	p := NewPayments()
	p.Invoices["INGAP"] = &Invoice{Code: "INGAP", Status: InvoiceExpired, Created: t0.Add(time.Hour), Expires: t0.Add(2 * time.Hour)}
	p.Invoices["BEFORE"] = &Invoice{Code: "BEFORE", Status: InvoiceExpired, Created: t0.Add(-3 * time.Hour), Expires: t0.Add(-2 * time.Hour)}
	now := t0.Add(InvoiceRetention + 3*time.Hour) // both past retention, the gap still held
	closed := gap
	closed.Closed = now
	for _, tc := range []struct {
		name  string
		now   time.Time
		held  []ChainGap
		wkeep bool
	}{
		{"no gap", now, nil, false},
		{"open gap", now, []ChainGap{gap}, true},
		{"closed gap", now, []ChainGap{closed}, false},
		{"gap past its hold", gap.Found.Add(GapHold), []ChainGap{gap}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := p.Prune(tc.now, InvoiceRetention, tc.held...)
			if ev == nil || len(ev.Codes) == 0 || ev.Codes[0] != "BEFORE" {
				t.Fatalf("pruned %+v, want the invoice before the gap first", ev)
			}
			if kept := len(ev.Codes) == 1; kept != tc.wkeep {
				t.Errorf("pruned %v: the invoice in the gap kept = %v, want %v", ev.Codes, kept, tc.wkeep)
			}
		})
	}
}

func TestWatcher_Resume(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	w := NewWatcher("w")
	w.Apply(&WatcherAdvanced{Cursor: ChainCursor{LT: 10, Hash: "a"}, At: t0}, 1)
	if _, err := w.Resume(ChainCursor{LT: 10, Hash: "a"}, 20, t0, t0); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("a resume that does not move forward: %v", err)
	}
	ev, err := w.Resume(ChainCursor{LT: 15, Hash: "b"}, 20, t0.Add(time.Hour), t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	w.Apply(ev, 2)
	want := ChainGap{FromLT: 10, From: t0, ToLT: 20, To: t0.Add(time.Hour), Found: t0.Add(2 * time.Hour)}
	if w.Cursor.LT != 15 || len(w.Gaps) != 1 || w.Gaps[0] != want {
		t.Fatalf("after resume: cursor %+v gaps %+v", w.Cursor, w.Gaps)
	}
	rec, err := DecodeRecord(mustEncode(t, Record{Kind: KindWatcher, ID: "w", Event: ev}))
	if err != nil || rec.Event.(*WatcherResumed).Gap.ToLT != 20 {
		t.Fatalf("round trip: %+v, %v", rec, err)
	}
	close := w.CloseGaps(t0.Add(3 * time.Hour))
	w.Apply(close, 3)
	if len(w.OpenGaps(t0.Add(3*time.Hour))) != 0 || w.CloseGaps(t0.Add(4*time.Hour)) != nil {
		t.Fatalf("gaps after closing: %+v", w.Gaps)
	}
}

func mustEncode(t *testing.T, r Record) []byte {
	t.Helper()
	b, err := EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
