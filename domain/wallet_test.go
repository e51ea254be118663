package domain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// wev adapts a wallet decision's typed result to a WalletEvent.
func wev[E WalletEvent](e E, err error) (WalletEvent, error) {
	if err != nil {
		return nil, err
	}
	return e, nil
}

// mustW applies the event of a wallet decision that has to succeed.
func mustW(t testing.TB, w *Wallet) func(WalletEvent, error) {
	t.Helper()
	return func(e WalletEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup decision failed: %v", err)
		}
		w.Apply(e, w.Seq+1)
		if err := w.Check(); err != nil {
			t.Fatalf("after setup %#v: %v", e, err)
		}
	}
}

// funded is alice's wallet with 10 TON recharged by op "topup".
func funded(t testing.TB) *Wallet {
	t.Helper()
	w := &Wallet{User: alice}
	mustW(t, w)(wev(w.Credit("topup", KindRecharge, TON(10), "tx1", "", t0)))
	return w
}

// purchased is funded with a processing purchase of 4 TON by op "buy".
func purchased(t testing.TB) *Wallet {
	t.Helper()
	w := funded(t)
	mustW(t, w)(wev(w.Debit("buy", KindPurchase, TON(4), testNum, 30, "", t0)))
	return w
}

// pending is funded with a pending recharge of 5 TON by op "inv".
func pending(t testing.TB) *Wallet {
	t.Helper()
	w := funded(t)
	mustW(t, w)(wev(w.OpenRecharge("inv", TON(5), "K7QM-3XHA", t0)))
	return w
}

type walletCase struct {
	name   string
	setup  func(t testing.TB) *Wallet
	decide func(w *Wallet) (WalletEvent, error)
	wErr   error
	check  func(t *testing.T, w *Wallet, e WalletEvent)
}

func runWalletCases(t *testing.T, cases []walletCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.setup(t)
			before := walletView(w)
			e, err := tc.decide(w)
			wantErr(t, err, tc.wErr)
			sameState(t, "wallet after decision", walletView(w), before)
			if tc.wErr != nil {
				if e != nil {
					t.Errorf("refused decision returned an event %#v", e)
				}
				return
			}
			w.Apply(e, w.Seq+1)
			if err := w.Check(); err != nil {
				t.Errorf("Check after %#v: %v", e, err)
			}
			if tc.check != nil {
				tc.check(t, w, e)
			}
		})
	}
}

// entry returns op's entry or fails t.
func entry(t testing.TB, w *Wallet, op OpID) Entry {
	t.Helper()
	e, ok := w.Entry(op)
	if !ok {
		t.Fatalf("no entry for %q", op)
	}
	return *e
}

func wantBalance(t testing.TB, w *Wallet, b Nano) {
	t.Helper()
	if w.Balance != b {
		t.Errorf("Balance = %v, want %v", w.Balance, b)
	}
}

func TestWallet_Credit(t *testing.T) {
	at := t0.Add(time.Hour)
	credit := func(op OpID, k EntryKind, a Nano) func(w *Wallet) (WalletEvent, error) {
		return func(w *Wallet) (WalletEvent, error) { return wev(w.Credit(op, k, a, "ref", "note", at)) }
	}
	empty := func(testing.TB) *Wallet { return &Wallet{User: alice} }
	runWalletCases(t, []walletCase{
		{name: "recharge", setup: empty, decide: credit("c1", KindRecharge, TON(5)),
			check: func(t *testing.T, w *Wallet, e WalletEvent) {
				wantEvent(t, e, &WalletCredited{Op: "c1", Kind: KindRecharge, Amount: TON(5), Ref: "ref", Note: "note", At: at})
				wantBalance(t, w, TON(5))
				sameState(t, "entries", w.Entries, []Entry{{Op: "c1", Kind: KindRecharge, Amount: TON(5),
					Status: EntryCompleted, Created: at, Ref: "ref", Note: "note"}})
			}},
		{name: "bonus", setup: funded, decide: credit("c1", KindBonus, 1), check: func(t *testing.T, w *Wallet, _ WalletEvent) {
			wantBalance(t, w, TON(10)+1)
		}},
		{name: "refund", setup: funded, decide: credit("c1", KindRefund, TON(1)), check: func(t *testing.T, w *Wallet, _ WalletEvent) {
			wantBalance(t, w, TON(11))
		}},
		{name: "adjustment", setup: funded, decide: credit("c1", KindAdjustment, TON(1)), check: func(t *testing.T, w *Wallet, _ WalletEvent) {
			wantBalance(t, w, TON(11))
		}},
		{name: "max amount", setup: empty, decide: credit("c1", KindRecharge, MaxAmount)},
		{name: "completes a pending recharge", setup: pending, decide: credit("inv", KindRecharge, TON(6)),
			check: func(t *testing.T, w *Wallet, _ WalletEvent) {
				wantBalance(t, w, TON(16))
				if len(w.Entries) != 2 {
					t.Fatalf("entries %+v, want the pending one completed in place", w.Entries)
				}
				got := entry(t, w, "inv")
				if got.Status != EntryCompleted || got.Amount != TON(6) || !got.Updated.Equal(at) || !got.Created.Equal(t0) ||
					got.Ref != "K7QM-3XHA" {
					t.Errorf("entry %+v", got)
				}
			}},
		{name: "zero", setup: empty, decide: credit("c1", KindRecharge, 0), wErr: ErrBadAmount},
		{name: "negative", setup: empty, decide: credit("c1", KindRecharge, -TON(1)), wErr: ErrBadAmount},
		{name: "too large", setup: empty, decide: credit("c1", KindRecharge, MaxAmount+1), wErr: ErrAmountTooLarge},
		{name: "purchase kind", setup: empty, decide: credit("c1", KindPurchase, TON(1)), wErr: ErrNotPermitted},
		{name: "kind zero", setup: empty, decide: credit("c1", 0, TON(1)), wErr: ErrNotPermitted},
		{name: "unknown kind", setup: empty, decide: credit("c1", KindAdjustment+1, TON(1)), wErr: ErrNotPermitted},
		{name: "no op", setup: empty, decide: credit("", KindRecharge, TON(1)), wErr: ErrBadOp},
		{name: "duplicate op", setup: funded, decide: credit("topup", KindRecharge, TON(10)), wErr: ErrDuplicateOp},
		{name: "op of a debit", setup: purchased, decide: credit("buy", KindRefund, TON(4)), wErr: ErrDuplicateOp},
		{name: "expired recharge", setup: func(t testing.TB) *Wallet {
			w := pending(t)
			mustW(t, w)(wev(w.Settle("inv", EntryExpired, "", t0)))
			return w
		}, decide: credit("inv", KindRecharge, TON(5)), wErr: ErrDuplicateOp},
		{name: "overflow", setup: func(t testing.TB) *Wallet {
			w := &Wallet{User: alice}
			for i := range 9 {
				mustW(t, w)(wev(w.Credit(OpID(fmt.Sprint("big", i)), KindRecharge, MaxAmount, "", "", t0)))
			}
			return w
		}, decide: credit("c1", KindRecharge, MaxAmount), wErr: ErrOverflow},
	})
}

func TestWallet_Debit(t *testing.T) {
	at := t0.Add(time.Hour)
	debit := func(op OpID, k EntryKind, a Nano) func(w *Wallet) (WalletEvent, error) {
		return func(w *Wallet) (WalletEvent, error) { return wev(w.Debit(op, k, a, testNum, 30, "n", at)) }
	}
	runWalletCases(t, []walletCase{
		{name: "purchase is processing", setup: funded, decide: debit("d1", KindPurchase, TON(3)),
			check: func(t *testing.T, w *Wallet, e WalletEvent) {
				wantEvent(t, e, &WalletDebited{Op: "d1", Kind: KindPurchase, Amount: TON(3), Status: EntryProcessing,
					Ref: testNum, Days: 30, Note: "n", At: at})
				wantBalance(t, w, TON(7))
				sameState(t, "entry", entry(t, w, "d1"), Entry{Op: "d1", Kind: KindPurchase, Amount: TON(3), Debit: true,
					Status: EntryProcessing, Created: at, Ref: testNum, Days: 30, Note: "n"})
			}},
		{name: "adjustment is completed", setup: funded, decide: debit("d1", KindAdjustment, TON(3)),
			check: func(t *testing.T, w *Wallet, _ WalletEvent) {
				wantBalance(t, w, TON(7))
				if got := entry(t, w, "d1"); got.Status != EntryCompleted || !got.Debit {
					t.Errorf("entry %+v", got)
				}
			}},
		{name: "whole balance", setup: funded, decide: debit("d1", KindPurchase, TON(10)),
			check: func(t *testing.T, w *Wallet, _ WalletEvent) { wantBalance(t, w, 0) }},
		{name: "held money is not spendable twice", setup: purchased, decide: debit("d2", KindPurchase, TON(7)), wErr: ErrInsufficientFunds},
		{name: "insufficient", setup: funded, decide: debit("d1", KindPurchase, TON(10)+1), wErr: ErrInsufficientFunds},
		{name: "empty wallet", setup: func(testing.TB) *Wallet { return &Wallet{User: alice} },
			decide: debit("d1", KindAdjustment, 1), wErr: ErrInsufficientFunds},
		{name: "zero", setup: funded, decide: debit("d1", KindPurchase, 0), wErr: ErrBadAmount},
		{name: "negative", setup: funded, decide: debit("d1", KindPurchase, -1), wErr: ErrBadAmount},
		{name: "too large", setup: funded, decide: debit("d1", KindPurchase, MaxAmount+1), wErr: ErrAmountTooLarge},
		{name: "recharge kind", setup: funded, decide: debit("d1", KindRecharge, 1), wErr: ErrNotPermitted},
		{name: "refund kind", setup: funded, decide: debit("d1", KindRefund, 1), wErr: ErrNotPermitted},
		{name: "bonus kind", setup: funded, decide: debit("d1", KindBonus, 1), wErr: ErrNotPermitted},
		{name: "no op", setup: funded, decide: debit("", KindPurchase, 1), wErr: ErrBadOp},
		{name: "duplicate op", setup: purchased, decide: debit("buy", KindPurchase, TON(4)), wErr: ErrDuplicateOp},
		{name: "op of a credit", setup: funded, decide: debit("topup", KindAdjustment, 1), wErr: ErrDuplicateOp},
	})
}

func TestWallet_DebitInsufficientFunds(t *testing.T) {
	w := purchased(t)
	_, err := w.Debit("d2", KindPurchase, TON(7), "", 30, "", t0)
	if !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("error %v is not ErrInsufficientFunds", err)
	}
	var ife *InsufficientFundsError
	if !errors.As(err, &ife) {
		t.Fatalf("error %T is not an *InsufficientFundsError", err)
	}
	if ife.Balance != TON(6) || ife.Need != TON(7) {
		t.Errorf("got balance %v need %v, want 6 TON and 7 TON", ife.Balance, ife.Need)
	}
	if msg := err.Error(); !strings.Contains(msg, "6 TON") || !strings.Contains(msg, "7 TON") {
		t.Errorf("message %q does not name the amounts", msg)
	}
	if errors.Is(err, ErrBadAmount) {
		t.Error("insufficient funds also matches ErrBadAmount")
	}
}

func TestWallet_OpenRecharge(t *testing.T) {
	open := func(op OpID, a Nano) func(w *Wallet) (WalletEvent, error) {
		return func(w *Wallet) (WalletEvent, error) { return wev(w.OpenRecharge(op, a, "K7QM-3XHA", t0)) }
	}
	runWalletCases(t, []walletCase{
		{name: "pending does not count", setup: funded, decide: open("inv", TON(5)),
			check: func(t *testing.T, w *Wallet, e WalletEvent) {
				wantEvent(t, e, &EntryOpened{Op: "inv", Amount: TON(5), Ref: "K7QM-3XHA", At: t0})
				wantBalance(t, w, TON(10))
				sameState(t, "entry", entry(t, w, "inv"), Entry{Op: "inv", Kind: KindRecharge, Amount: TON(5),
					Status: EntryPending, Created: t0, Ref: "K7QM-3XHA"})
			}},
		{name: "zero", setup: funded, decide: open("inv", 0), wErr: ErrBadAmount},
		{name: "negative", setup: funded, decide: open("inv", -5), wErr: ErrBadAmount},
		{name: "too large", setup: funded, decide: open("inv", MaxAmount+1), wErr: ErrAmountTooLarge},
		{name: "no op", setup: funded, decide: open("", TON(1)), wErr: ErrBadOp},
		{name: "duplicate op", setup: pending, decide: open("inv", TON(5)), wErr: ErrDuplicateOp},
		{name: "op of a credit", setup: funded, decide: open("topup", TON(5)), wErr: ErrDuplicateOp},
	})
}

func TestWallet_Settle(t *testing.T) {
	at := t0.Add(time.Hour)
	settle := func(op OpID, to EntryStatus, note string) func(w *Wallet) (WalletEvent, error) {
		return func(w *Wallet) (WalletEvent, error) { return wev(w.Settle(op, to, note, at)) }
	}
	wantEntry := func(op OpID, st EntryStatus, note string, bal Nano) func(t *testing.T, w *Wallet, _ WalletEvent) {
		return func(t *testing.T, w *Wallet, _ WalletEvent) {
			wantBalance(t, w, bal)
			got := entry(t, w, op)
			if got.Status != st || got.Note != note || !got.Updated.Equal(at) {
				t.Errorf("entry %+v, want status %v note %q updated %v", got, st, note, at)
			}
		}
	}
	settled := func(op OpID, to EntryStatus, base func(testing.TB) *Wallet) func(testing.TB) *Wallet {
		return func(t testing.TB) *Wallet {
			w := base(t)
			mustW(t, w)(wev(w.Settle(op, to, "first", t0)))
			return w
		}
	}
	runWalletCases(t, []walletCase{
		{name: "purchase completed keeps the money spent", setup: purchased, decide: settle("buy", EntryCompleted, ""),
			check: func(t *testing.T, w *Wallet, e WalletEvent) {
				wantEvent(t, e, &EntrySettled{Op: "buy", Status: EntryCompleted, At: at})
				wantEntry("buy", EntryCompleted, "", TON(6))(t, w, e)
			}},
		{name: "purchase failed gives the money back", setup: purchased, decide: settle("buy", EntryFailed, "number gone"),
			check: wantEntry("buy", EntryFailed, "number gone", TON(10))},
		{name: "pending expired", setup: pending, decide: settle("inv", EntryExpired, ""), check: wantEntry("inv", EntryExpired, "", TON(10))},
		{name: "pending cancelled", setup: pending, decide: settle("inv", EntryCancelled, "by user"),
			check: wantEntry("inv", EntryCancelled, "by user", TON(10))},
		{name: "pending failed adds nothing", setup: pending, decide: settle("inv", EntryFailed, ""),
			check: wantEntry("inv", EntryFailed, "", TON(10))},
		{name: "empty note keeps the old one", setup: func(t testing.TB) *Wallet {
			w := funded(t)
			mustW(t, w)(wev(w.Debit("buy", KindPurchase, TON(4), "", 30, "why", t0)))
			return w
		}, decide: settle("buy", EntryCompleted, ""), check: wantEntry("buy", EntryCompleted, "why", TON(6))},
		{name: "pending cannot complete by settling", setup: pending, decide: settle("inv", EntryCompleted, ""), wErr: ErrEntryFinal},
		{name: "processing cannot expire", setup: purchased, decide: settle("buy", EntryExpired, ""), wErr: ErrEntryFinal},
		{name: "processing cannot be cancelled", setup: purchased, decide: settle("buy", EntryCancelled, ""), wErr: ErrEntryFinal},
		{name: "completed cannot fail", setup: settled("buy", EntryCompleted, purchased), decide: settle("buy", EntryFailed, ""), wErr: ErrEntryFinal},
		{name: "failed cannot complete", setup: settled("buy", EntryFailed, purchased), decide: settle("buy", EntryCompleted, ""), wErr: ErrEntryFinal},
		{name: "expired cannot be cancelled", setup: settled("inv", EntryExpired, pending), decide: settle("inv", EntryCancelled, ""), wErr: ErrEntryFinal},
		{name: "credit cannot fail", setup: funded, decide: settle("topup", EntryFailed, ""), wErr: ErrEntryFinal},
		{name: "adjustment cannot fail", setup: func(t testing.TB) *Wallet {
			w := funded(t)
			mustW(t, w)(wev(w.Debit("adj", KindAdjustment, TON(1), "", 0, "", t0)))
			return w
		}, decide: settle("adj", EntryFailed, ""), wErr: ErrEntryFinal},
		{name: "back to pending", setup: purchased, decide: settle("buy", EntryPending, ""), wErr: ErrEntryFinal},
		{name: "same status", setup: purchased, decide: settle("buy", EntryProcessing, ""), wErr: ErrDuplicateOp},
		{name: "completed twice", setup: settled("buy", EntryCompleted, purchased), decide: settle("buy", EntryCompleted, ""), wErr: ErrDuplicateOp},
		{name: "failed twice", setup: settled("buy", EntryFailed, purchased), decide: settle("buy", EntryFailed, ""), wErr: ErrDuplicateOp},
		{name: "unknown op", setup: purchased, decide: settle("nope", EntryCompleted, ""), wErr: ErrEntryNotFound},
	})
}

// A failed purchase gives its money back; that sum, like every other, must
// not overflow: the balance may have grown since the debit.
func TestWallet_SettleFailedOverflow(t *testing.T) {
	w := &Wallet{User: alice}
	mustW(t, w)(wev(w.Credit("c", KindRecharge, MaxAmount, "", "", t0)))
	mustW(t, w)(wev(w.Debit("buy", KindPurchase, MaxAmount, "", 30, "", t0)))
	for i := range 9 {
		mustW(t, w)(wev(w.Credit(OpID(fmt.Sprint("big", i)), KindRecharge, MaxAmount, "", "", t0)))
	}
	e, err := w.Settle("buy", EntryFailed, "", t0)
	if err != nil {
		return // refusing (ErrOverflow) is a fine answer
	}
	w.Apply(e, w.Seq+1)
	if err := w.Check(); err != nil || w.Balance < 0 {
		t.Errorf("settling failed overflowed: balance %d, Check: %v", w.Balance, err)
	}
}

func TestWallet_Check(t *testing.T) {
	tests := []struct {
		name  string
		w     Wallet
		wFail bool
	}{
		{"empty", Wallet{}, false},
		{"consistent", Wallet{Balance: 7, Entries: []Entry{
			{Op: "a", Amount: 10, Status: EntryCompleted},
			{Op: "b", Amount: 3, Debit: true, Status: EntryProcessing},
			{Op: "c", Amount: 5, Status: EntryPending},
			{Op: "d", Amount: 4, Debit: true, Status: EntryFailed},
		}}, false},
		{"balance off by one", Wallet{Balance: 8, Entries: []Entry{{Op: "a", Amount: 7, Status: EntryCompleted}}}, true},
		{"pending counted", Wallet{Balance: 5, Entries: []Entry{{Op: "a", Amount: 5, Status: EntryPending}}}, true},
		{"negative", Wallet{Balance: -3, Entries: []Entry{{Op: "a", Amount: 3, Debit: true, Status: EntryCompleted}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.w.Check(); (err != nil) != tc.wFail {
				t.Errorf("Check() = %v, want failure %v", err, tc.wFail)
			}
		})
	}
}

func TestWallet_Sequences(t *testing.T) {
	w := &Wallet{User: alice}
	steps := []struct {
		name     string
		decide   func() (WalletEvent, error)
		wBalance Nano
	}{
		{"open", func() (WalletEvent, error) { return wev(w.OpenRecharge("inv", TON(5), "", t0)) }, 0},
		{"paid", func() (WalletEvent, error) { return wev(w.Credit("inv", KindRecharge, TON(5), "", "", t0)) }, TON(5)},
		{"buy", func() (WalletEvent, error) { return wev(w.Debit("b1", KindPurchase, TON(4), "", 30, "", t0)) }, TON(1)},
		{"buy fails", func() (WalletEvent, error) { return wev(w.Settle("b1", EntryFailed, "", t0)) }, TON(5)},
		{"buy again", func() (WalletEvent, error) { return wev(w.Debit("b2", KindPurchase, TON(4), "", 30, "", t0)) }, TON(1)},
		{"confirmed", func() (WalletEvent, error) { return wev(w.Settle("b2", EntryCompleted, "", t0)) }, TON(1)},
		{"refund", func() (WalletEvent, error) { return wev(w.Credit("rf", KindRefund, TON(2), "", "", t0)) }, TON(3)},
		{"adjust down", func() (WalletEvent, error) { return wev(w.Debit("adj", KindAdjustment, TON(3), "", 0, "", t0)) }, 0},
		{"open another", func() (WalletEvent, error) { return wev(w.OpenRecharge("inv2", TON(5), "", t0)) }, 0},
		{"expire it", func() (WalletEvent, error) { return wev(w.Settle("inv2", EntryExpired, "", t0)) }, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e, err := s.decide()
			if err != nil {
				t.Fatal(err)
			}
			w.Apply(e, w.Seq+1)
			wantBalance(t, w, s.wBalance)
			if err := w.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestWallet_Entry(t *testing.T) {
	for _, size := range []int{indexAt - 2, indexAt - 1, indexAt, 40, 100} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			w := &Wallet{User: alice}
			for i := range size {
				mustW(t, w)(wev(w.Credit(OpID(fmt.Sprint("op", i)), KindRecharge, Nano(i+1), "", "", t0)))
			}
			for i := range size {
				if got := entry(t, w, OpID(fmt.Sprint("op", i))); got.Amount != Nano(i+1) {
					t.Fatalf("Entry(op%d) amount %d, want %d", i, got.Amount, i+1)
				}
			}
			if _, ok := w.Entry("missing"); ok {
				t.Error("Entry(missing) found something")
			}
			if size >= indexAt && w.opIndex() == nil {
				t.Error("no index built for a long ledger")
			}
			// entries added after the index was built are found, and are not duplicates
			mustW(t, w)(wev(w.Debit("late", KindPurchase, 1, "", 30, "", t0)))
			mustW(t, w)(wev(w.OpenRecharge("late-inv", TON(1), "", t0)))
			if got := entry(t, w, "late"); !got.Debit || got.Amount != 1 {
				t.Errorf("Entry(late) = %+v", got)
			}
			if _, err := w.Debit("late", KindPurchase, 1, "", 30, "", t0); !errors.Is(err, ErrDuplicateOp) {
				t.Errorf("re-debit of late: %v, want ErrDuplicateOp", err)
			}
			mustW(t, w)(wev(w.Settle("late", EntryFailed, "", t0)))
			mustW(t, w)(wev(w.Credit("late-inv", KindRecharge, TON(1), "", "", t0)))
			if got := entry(t, w, "late-inv"); got.Status != EntryCompleted {
				t.Errorf("Entry(late-inv) = %+v", got)
			}
			if got := entry(t, w, "op0"); got.Amount != 1 {
				t.Errorf("Entry(op0) = %+v after appends", got)
			}
			if len(w.Entries) != size+2 {
				t.Errorf("%d entries, want %d", len(w.Entries), size+2)
			}
			// a wallet decoded from a snapshot starts without an index
			fresh := walletView(w)
			if got := entry(t, fresh, "late-inv"); got.Status != EntryCompleted {
				t.Errorf("fresh Entry(late-inv) = %+v", got)
			}
		})
	}
}

func TestEntryKind_String(t *testing.T) {
	for k, w := range map[EntryKind]string{KindRecharge: "recharge", KindPurchase: "purchase", KindRefund: "refund",
		KindBonus: "bonus", KindAdjustment: "adjustment", 0: "kind(0)", 7: "kind(7)"} {
		if got := k.String(); got != w {
			t.Errorf("EntryKind(%d).String() = %q, want %q", k, got, w)
		}
	}
}

func TestEntryStatus_String(t *testing.T) {
	for s, w := range map[EntryStatus]string{EntryPending: "pending", EntryProcessing: "processing", EntryCompleted: "completed",
		EntryFailed: "failed", EntryCancelled: "cancelled", EntryExpired: "expired", 0: "status(0)", 9: "status(9)"} {
		if got := s.String(); got != w {
			t.Errorf("EntryStatus(%d).String() = %q, want %q", s, got, w)
		}
	}
}
