package domain

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// auditLog holds n entries; entry i has Target "t<i>", so higher is newer.
func auditLog(t testing.TB, n int) *AuditLog {
	t.Helper()
	l := &AuditLog{}
	for i := range n {
		l.Apply(&AuditRecorded{Entry: AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Actor: alice,
			Action: "number.block", Target: fmt.Sprint("t", i)}}, uint64(i+1))
	}
	return l
}

func targets(es []AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Target)
	}
	return out
}

func TestAuditLog_Page(t *testing.T) {
	tests := []struct {
		name     string
		entries  int
		page     int
		size     int
		wTargets []string
		wMore    bool
	}{
		{"empty", 0, 0, 10, nil, false},
		{"newest first", 5, 0, 2, []string{"t4", "t3"}, true},
		{"second page", 5, 1, 2, []string{"t2", "t1"}, true},
		{"last partial page", 5, 2, 2, []string{"t0"}, false},
		{"past the end", 5, 3, 2, nil, false},
		{"exactly one page", 5, 0, 5, []string{"t4", "t3", "t2", "t1", "t0"}, false},
		{"page larger than the log", 3, 0, 10, []string{"t2", "t1", "t0"}, false},
		{"exact multiple, last page", 4, 1, 2, []string{"t1", "t0"}, false},
		{"zero size", 5, 0, 0, nil, false},
		{"negative size", 5, 0, -1, nil, false},
		{"negative page", 5, -1, 2, nil, false},
		{"huge page", 5, math.MaxInt, 2, nil, false},
		{"page times size wraps", 5, 1<<62 - 1, 4, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := auditLog(t, tc.entries)
			var got []AuditEntry
			var more bool
			noPanic(t, "Page", func() { got, more = l.Page(tc.page, tc.size) })
			sameState(t, "page", targets(got), tc.wTargets)
			if more != tc.wMore {
				t.Errorf("more = %v, want %v", more, tc.wMore)
			}
		})
	}
}

func TestAuditLog_Apply(t *testing.T) {
	l := auditLog(t, 3)
	if len(l.Entries) != 3 || l.Seq != 3 || l.Entries[2].Target != "t2" {
		t.Errorf("log %+v", l)
	}
	page, _ := l.Page(0, 1)
	page[0].Target = "changed"
	if l.Entries[2].Target != "t2" {
		t.Error("Page returned entries that alias the log")
	}
}

func TestAuditLog_RecordOncePerOperation(t *testing.T) {
	l := auditLog(t, 2)
	e := AuditEntry{At: t0, Actor: alice, Action: "rental.extend", Target: "+88800000001", Op: "tg:1:u7"}
	first := l.Record(e)
	if first == nil {
		t.Fatal("a new operation recorded nothing")
	}
	l.Apply(first, 3)
	again := e
	again.At = t0.Add(time.Minute) // the update delivered again, later
	if ev := l.Record(again); ev != nil {
		t.Errorf("the same update recorded twice: %+v", ev)
	}
	other := e
	other.Target = "+88800000002"
	if l.Record(other) == nil {
		t.Error("the same update's action on another target was taken for a repeat")
	}
	fresh := &AuditLog{Entries: append([]AuditEntry(nil), l.Entries...), Seq: l.Seq} // as restored from a snapshot
	if fresh.Record(again) != nil {
		t.Error("a restored log forgot the operations in it")
	}
	unkeyed := AuditEntry{At: t0, Actor: alice, Action: "number.block", Target: "t1"}
	if l.Record(unkeyed) == nil {
		t.Error("an entry without an operation was taken for a repeat")
	}
}

func TestPriceList_Lookup(t *testing.T) {
	base := DefaultPrices()
	for _, tc := range []struct {
		days int
		wA   Nano
		wOK  bool
	}{{30, TON(10), true}, {60, TON(18), true}, {90, TON(25), true}, {1, 0, false}, {45, 0, false}, {120, 0, false}} {
		t.Run(fmt.Sprint(tc.days), func(t *testing.T) {
			if a, ok := base.Lookup(tc.days, CurrencyTON); a != tc.wA || ok != tc.wOK {
				t.Errorf("Lookup(%d) = %v, %v; want %v, %v", tc.days, a, ok, tc.wA, tc.wOK)
			}
		})
	}
	if _, ok := PriceList(nil).Lookup(30, CurrencyTON); ok {
		t.Error("empty list has a price")
	}
}

func TestPriceList_With(t *testing.T) {
	base := DefaultPrices()
	t.Run("copy-on-write and sorted", func(t *testing.T) {
		got := base.With(7, CurrencyTON, TON(3)).With(60, CurrencyTON, TON(20)).With(90, CurrencyTON, 0)
		sameState(t, "list", got, PriceList{{Days: 7, Amount: TON(3)}, {Days: 30, Amount: TON(10)}, {Days: 60, Amount: TON(20)}})
		sameState(t, "original", base, DefaultPrices())
		if a, ok := got.Lookup(7, CurrencyTON); !ok || a != TON(3) {
			t.Errorf("Lookup(7) = %v, %v", a, ok)
		}
	})
	t.Run("removing a missing period", func(t *testing.T) {
		sameState(t, "list", base.With(45, CurrencyTON, 0), DefaultPrices())
	})
}

func TestValidatePrice(t *testing.T) {
	for _, tc := range []struct {
		name   string
		days   int
		amount Nano
		wErr   error
	}{
		{"one day", 1, 1, nil},
		{"ten years", 3660, MaxAdminAmount, nil},
		{"removal", 30, 0, nil},
		{"zero days", 0, TON(1), ErrBadPeriod},
		{"negative days", -30, TON(1), ErrBadPeriod},
		{"too many days", 3661, TON(1), ErrBadPeriod},
		{"removal of a bad period", 0, 0, ErrBadPeriod},
		{"negative amount", 30, -1, ErrBadAmount},
		{"too large", 30, MaxAdminAmount + 1, ErrAmountTooLarge},
		{"too large names its bound", 30, MaxAdminAmount + 1, ErrOutOfRange},
		{"too many days names its bound", 3661, TON(1), ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, ValidatePrice(tc.days, TONMoney(tc.amount)), tc.wErr) })
	}
}

func TestQuote(t *testing.T) {
	n := freeNumber(t)
	must(t, n)(ev(n.SetPrice(30, TONMoney(TON(7)))))
	must(t, n)(ev(n.SetPrice(5, TONMoney(TON(2)))))
	for _, tc := range []struct {
		name string
		days int
		wA   Nano
		wErr error
	}{
		{"override", 30, TON(7), nil},
		{"override only", 5, TON(2), nil},
		{"default", 60, TON(18), nil},
		{"none", 45, 0, ErrBadPeriod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Quote(n, DefaultPrices(), tc.days, CurrencyTON)
			wantErr(t, err, tc.wErr)
			if a != TONMoney(tc.wA) {
				t.Errorf("Quote = %v, want %v", a, tc.wA)
			}
		})
	}
}

func TestCatalog_SetDefault(t *testing.T) {
	tests := []struct {
		name    string
		days    int
		amount  Nano
		wErr    error
		wPrices PriceList
	}{
		{"change", 30, TON(12), nil, PriceList{{Days: 30, Amount: TON(12)}, {Days: 60, Amount: TON(18)}, {Days: 90, Amount: TON(25)}}},
		{"add", 7, TON(3), nil, PriceList{{Days: 7, Amount: TON(3)}, {Days: 30, Amount: TON(10)}, {Days: 60, Amount: TON(18)}, {Days: 90, Amount: TON(25)}}},
		{"remove", 60, 0, nil, PriceList{{Days: 30, Amount: TON(10)}, {Days: 90, Amount: TON(25)}}},
		{"bad period", 0, TON(1), ErrBadPeriod, nil},
		{"bad amount", 30, -TON(1), ErrBadAmount, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Catalog{Prices: DefaultPrices(), Seq: 4}
			e, err := c.SetDefault(tc.days, TONMoney(tc.amount))
			wantErr(t, err, tc.wErr)
			sameState(t, "catalog after decision", c, &Catalog{Prices: DefaultPrices(), Seq: 4})
			if tc.wErr != nil {
				return
			}
			wantEvent(t, e, &DefaultPriceSet{Days: tc.days, Amount: tc.amount})
			c.Apply(e, 5)
			sameState(t, "catalog", c, &Catalog{Prices: tc.wPrices, Seq: 5})
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	sameState(t, "reminders", SortedReminders(p.Reminders), p.Reminders)
	if p.HoldTTL <= 0 || p.OfferTTL <= 0 || len(p.Prices) == 0 {
		t.Errorf("policy %+v", p)
	}
	for i := 1; i < len(p.Prices); i++ {
		if p.Prices[i-1].Days >= p.Prices[i].Days {
			t.Errorf("default prices not sorted: %v", p.Prices)
		}
	}
}

func TestKind_String(t *testing.T) {
	for k := KindNumber; k <= KindCatalog; k++ {
		got, ok := ParseKind(k.String())
		if !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, ok)
		}
	}
	for _, s := range []string{"", "kind(0)", "Number", "wallets"} {
		if k, ok := ParseKind(s); ok {
			t.Errorf("ParseKind(%q) = %v", s, k)
		}
	}
	if got := Kind(0).String(); got != "kind(0)" {
		t.Errorf("Kind(0) = %q", got)
	}
	if got := Kind(200).String(); got != "kind(200)" {
		t.Errorf("Kind(200) = %q", got)
	}
}
