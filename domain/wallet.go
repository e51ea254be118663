package domain

import (
	"fmt"
	"slices"
	"time"
)

// EntryKind is what a ledger entry was for.
type EntryKind uint8

// The ledger entry kinds. Recharge, bonus and refund add to the balance;
// purchase takes from it; adjustment is an admin's correction either way.
const (
	KindRecharge EntryKind = iota + 1
	KindPurchase
	KindRefund
	KindBonus
	KindAdjustment
)

var kindNames = [...]string{"", "recharge", "purchase", "refund", "bonus", "adjustment"}

// String names the entry kind in logs and ledgers.
func (k EntryKind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// EntryStatus is where a ledger entry is in its life.
type EntryStatus uint8

// The ledger entry statuses. A processing debit has already left the
// balance (the money is held for a saga in flight); failed gives it back.
const (
	EntryPending EntryStatus = iota + 1
	EntryProcessing
	EntryCompleted
	EntryFailed
	EntryCancelled
	EntryExpired
)

var entryStatusNames = [...]string{"", "pending", "processing", "completed", "failed", "cancelled", "expired"}

// String names the entry status in logs and ledgers.
func (s EntryStatus) String() string {
	if int(s) < len(entryStatusNames) && s > 0 {
		return entryStatusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// Entry is one line of a user's ledger. Amount is in Currency's smallest
// unit (the Nano type is named for TON, the only currency there was when
// ledgers were first written; a zero Currency is TON, so they still read).
type Entry struct {
	Op OpID `msgpack:"op"`
	// Amount comes before the one-byte fields, which share a word: the
	// struct is 120 bytes, not 128, and a ledger holds many.
	Amount   Nano        `msgpack:"a"` // positive; Debit says the direction
	Kind     EntryKind   `msgpack:"k"`
	Currency Currency    `msgpack:"cu,omitempty"` // TON when absent
	Debit    bool        `msgpack:"db,omitempty"`
	Status   EntryStatus `msgpack:"s"`
	Created  time.Time   `msgpack:"c"`
	Updated  time.Time   `msgpack:"up,omitempty"`
	Ref      string      `msgpack:"rf,omitempty"` // transaction id, invoice code, or number
	Days     int         `msgpack:"d,omitempty"`  // period bought, for purchases
	Note     string      `msgpack:"n,omitempty"`  // admin's reason, failure reason
}

// holds reports whether the entry's amount is counted in the balance.
func (e *Entry) holds() bool {
	return e.Status == EntryCompleted || e.Debit && e.Status == EntryProcessing
}

// Money returns the entry's amount with its currency.
func (e *Entry) Money() Money { return Money{Currency: e.Currency, Units: int64(e.Amount)} }

// Wallet is one user's balances, one per currency, and ledger. Balance is
// the TON balance, under the name every caller knew before currencies;
// BalanceIn reads any currency's. No operation moves money between them.
type Wallet struct {
	User    UserID  `msgpack:"u"`
	Balance Nano    `msgpack:"b"`            // TON, in nanotons
	USDT    int64   `msgpack:"bu,omitempty"` // USDT, in millionths
	Entries []Entry `msgpack:"e,omitempty"`
	Seq     uint64  `msgpack:"sq"`

	side *walletSide // built on first need; not state, not persisted
}

// walletSide is what a wallet keeps beside its state, once it needs it.
// It sits behind one pointer so that the Wallet stays 64 bytes: a million
// idle wallets hold none of it (`loadtest -mode restore`, heap per idle
// entity), and two fields of their own took the Wallet to the next size
// class, 96 bytes.
type walletSide struct {
	index    *ledgerIndex // ledger position of each op, for long ledgers
	deferred []OpID       // completions not yet journaled (wallet_complete.go)
}

// aside returns the wallet's side, building it.
func (w *Wallet) aside() *walletSide {
	if w.side == nil {
		w.side = &walletSide{}
	}
	return w.side
}

// opIndex returns the op index, nil while there is none.
func (w *Wallet) opIndex() *ledgerIndex {
	if w.side == nil {
		return nil
	}
	return w.side.index
}

// balance points at c's balance, or is nil for a currency this build does
// not count (decoding refuses those, and every decision validates them).
func (w *Wallet) balance(c Currency) *int64 {
	switch c {
	case CurrencyTON:
		return (*int64)(&w.Balance)
	case CurrencyUSDT:
		return &w.USDT
	}
	return nil
}

// BalanceIn returns the balance in currency c (zero for an unknown one).
func (w *Wallet) BalanceIn(c Currency) Money {
	m := Money{Currency: c}
	if p := w.balance(c); p != nil {
		m.Units = *p
	}
	return m
}

// canAdd checks that m can be added to its currency's balance.
func (w *Wallet) canAdd(m Money) error {
	_, err := w.BalanceIn(m.Currency).Add(m)
	return err
}

// indexAt is the ledger length from which an op index pays for itself.
const indexAt = 32

// Entry returns the ledger entry of op, if any.
func (w *Wallet) Entry(op OpID) (*Entry, bool) {
	if len(w.Entries) >= indexAt {
		index := w.opIndex()
		if index == nil {
			index = newLedgerIndex(w.Entries)
			w.aside().index = index
		}
		if i := index.find(w.Entries, op); i >= 0 {
			return &w.Entries[i], true
		}
		return nil, false
	}
	for i := len(w.Entries) - 1; i >= 0; i-- {
		if w.Entries[i].Op == op {
			return &w.Entries[i], true
		}
	}
	return nil, false
}

func (w *Wallet) add(e Entry) {
	w.Entries = append(w.Entries, e)
	if index := w.opIndex(); index != nil {
		index.add(w.Entries, len(w.Entries)-1)
	}
}

// Credit adds amount of TON to the balance; CreditIn for any currency.
func (w *Wallet) Credit(op OpID, kind EntryKind, amount Nano, ref, note string, now time.Time) (*WalletCredited, error) {
	return w.CreditIn(op, kind, TONMoney(amount), ref, note, now)
}

// CreditIn adds m to the balance of m's currency: a recharge, bonus,
// refund or positive adjustment. An open pending recharge with the same op
// is completed by it, if it was opened in the same currency.
func (w *Wallet) CreditIn(op OpID, kind EntryKind, m Money, ref, note string, now time.Time) (*WalletCredited, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if kind == KindPurchase || kind < KindRecharge || kind > KindAdjustment {
		return nil, fmt.Errorf("%w: cannot credit a %s", ErrNotPermitted, kind)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if e, ok := w.Entry(op); ok {
		if e.Status != EntryPending {
			return nil, ErrDuplicateOp
		}
		if e.Currency != m.Currency {
			return nil, fmt.Errorf("%w: %s was opened in %s, credited in %s", ErrNotPermitted, op, e.Currency, m.Currency)
		}
	}
	if err := w.canAdd(m); err != nil {
		return nil, err
	}
	return &WalletCredited{Op: op, Kind: kind, Amount: Nano(m.Units), Currency: m.Currency, Ref: ref, Note: note, At: now}, nil
}

// Debit takes amount of TON from the balance; DebitIn for any currency.
func (w *Wallet) Debit(op OpID, kind EntryKind, amount Nano, ref string, days int, note string, now time.Time) (*WalletDebited, error) {
	return w.DebitIn(op, kind, TONMoney(amount), ref, days, note, now)
}

// DebitIn takes m from the balance of m's currency, and only from it, for
// a purchase or a negative adjustment. A purchase starts as processing: the
// money is held until the number is confirmed (Complete) or the saga fails
// (Fail gives it back).
func (w *Wallet) DebitIn(op OpID, kind EntryKind, m Money, ref string, days int, note string, now time.Time) (*WalletDebited, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if kind != KindPurchase && kind != KindAdjustment {
		return nil, fmt.Errorf("%w: cannot debit a %s", ErrNotPermitted, kind)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if _, ok := w.Entry(op); ok {
		return nil, ErrDuplicateOp
	}
	if have := w.BalanceIn(m.Currency); have.Units < m.Units {
		return nil, &InsufficientFundsError{Balance: Nano(have.Units), Need: Nano(m.Units), Currency: m.Currency}
	}
	st := EntryCompleted
	if kind == KindPurchase {
		st = EntryProcessing
	}
	return &WalletDebited{Op: op, Kind: kind, Amount: Nano(m.Units), Currency: m.Currency, Status: st,
		Ref: ref, Days: days, Note: note, At: now}, nil
}

// OpenRecharge records a TON top-up invoice; OpenRechargeIn for any currency.
func (w *Wallet) OpenRecharge(op OpID, amount Nano, ref string, now time.Time) (*EntryOpened, error) {
	return w.OpenRechargeIn(op, TONMoney(amount), ref, now)
}

// OpenRechargeIn records a top-up invoice as a pending entry in m's
// currency, so the user's history shows it before the money arrives.
func (w *Wallet) OpenRechargeIn(op OpID, m Money, ref string, now time.Time) (*EntryOpened, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if _, ok := w.Entry(op); ok {
		return nil, ErrDuplicateOp
	}
	return &EntryOpened{Op: op, Amount: Nano(m.Units), Currency: m.Currency, Ref: ref, At: now}, nil
}

// Settle moves an entry of op to a final status: a processing debit to
// completed or failed (failed returns the money), a pending recharge to
// expired or cancelled.
func (w *Wallet) Settle(op OpID, to EntryStatus, note string, now time.Time) (*EntrySettled, error) {
	e, ok := w.Entry(op)
	if !ok {
		return nil, ErrEntryNotFound
	}
	if e.Status == to {
		return nil, ErrDuplicateOp
	}
	ok = e.Status == EntryProcessing && (to == EntryCompleted || to == EntryFailed) ||
		e.Status == EntryPending && (to == EntryExpired || to == EntryCancelled || to == EntryFailed)
	if !ok {
		return nil, fmt.Errorf("%w: %s is %s", ErrEntryFinal, op, e.Status)
	}
	if e.Debit && e.Status == EntryProcessing && to == EntryFailed {
		if err := w.canAdd(e.Money()); err != nil {
			return nil, err
		}
	}
	return &EntrySettled{Op: op, Status: to, Note: note, At: now}, nil
}

// Check verifies the ledger invariant in every currency: each balance is
// exactly the sum of the entries in its currency that count (completed
// ones, and processing debits), and never negative.
func (w *Wallet) Check() error {
	var sums [len(currencyRules)]int64
	for i := range w.Entries {
		e := &w.Entries[i]
		if !e.Currency.Known() {
			return fmt.Errorf("domain: wallet %d: entry %s in %s", w.User, e.Op, e.Currency)
		}
		if !e.holds() {
			continue
		}
		if e.Debit {
			sums[e.Currency] -= int64(e.Amount)
		} else {
			sums[e.Currency] += int64(e.Amount)
		}
	}
	for _, c := range Currencies() {
		if b := w.BalanceIn(c); b.Units != sums[c] || b.Units < 0 {
			return fmt.Errorf("domain: wallet %d: %s balance %s but ledger sums to %s",
				w.User, c, b, Money{Currency: c, Units: sums[c]})
		}
	}
	return nil
}

// HoldsPurchase tells whether money is held for a purchase still
// processing: a saga recovery must resume.
func (w *Wallet) HoldsPurchase() bool {
	for i := range w.Entries {
		if w.Entries[i].Debit && w.Entries[i].Status == EntryProcessing {
			return true
		}
	}
	return false
}

// Empty tells a wallet with nothing in it and nothing ever applied: what
// a look at a user who never paid leaves in memory.
func (w *Wallet) Empty() bool {
	return w.Seq == 0 && len(w.Entries) == 0 && w.Balance == 0 && w.USDT == 0
}

// Clone returns a deep copy, for readers outside the wallet's actor.
func (w *Wallet) Clone() *Wallet {
	return &Wallet{User: w.User, Balance: w.Balance, USDT: w.USDT, Entries: slices.Clone(w.Entries), Seq: w.Seq}
}
