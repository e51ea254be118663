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

func (s EntryStatus) String() string {
	if int(s) < len(entryStatusNames) && s > 0 {
		return entryStatusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// Entry is one line of a user's ledger.
type Entry struct {
	Op      OpID        `msgpack:"op"`
	Kind    EntryKind   `msgpack:"k"`
	Amount  Nano        `msgpack:"a"` // positive; Debit says the direction
	Debit   bool        `msgpack:"db,omitempty"`
	Status  EntryStatus `msgpack:"s"`
	Created time.Time   `msgpack:"c"`
	Updated time.Time   `msgpack:"up,omitempty"`
	Ref     string      `msgpack:"rf,omitempty"` // transaction id, invoice code, or number
	Days    int         `msgpack:"d,omitempty"`  // period bought, for purchases
	Note    string      `msgpack:"n,omitempty"`  // admin's reason, failure reason
}

// holds reports whether the entry's amount is counted in the balance.
func (e *Entry) holds() bool {
	return e.Status == EntryCompleted || e.Debit && e.Status == EntryProcessing
}

// Wallet is one user's balance and ledger.
type Wallet struct {
	User    UserID  `msgpack:"u"`
	Balance Nano    `msgpack:"b"`
	Entries []Entry `msgpack:"e,omitempty"`
	Seq     uint64  `msgpack:"sq"`

	index map[OpID]int // built lazily for long ledgers; not persisted
}

// indexAt is the ledger length from which an op index pays for itself.
const indexAt = 32

// Entry returns the ledger entry of op, if any.
func (w *Wallet) Entry(op OpID) (*Entry, bool) {
	if len(w.Entries) >= indexAt {
		if w.index == nil {
			w.index = make(map[OpID]int, len(w.Entries))
			for i := range w.Entries {
				w.index[w.Entries[i].Op] = i
			}
		}
		i, ok := w.index[op]
		if !ok {
			return nil, false
		}
		return &w.Entries[i], true
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
	if w.index != nil {
		w.index[e.Op] = len(w.Entries) - 1
	}
}

// Credit adds amount to the balance: a recharge, bonus, refund or positive
// adjustment. An open pending recharge with the same op is completed by it.
func (w *Wallet) Credit(op OpID, kind EntryKind, amount Nano, ref, note string, now time.Time) (*WalletCredited, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if kind == KindPurchase || kind < KindRecharge || kind > KindAdjustment {
		return nil, fmt.Errorf("%w: cannot credit a %s", ErrNotPermitted, kind)
	}
	if err := amount.Validate(); err != nil {
		return nil, err
	}
	if e, ok := w.Entry(op); ok && e.Status != EntryPending {
		return nil, ErrDuplicateOp
	}
	if _, err := AddNano(w.Balance, amount); err != nil {
		return nil, err
	}
	return &WalletCredited{Op: op, Kind: kind, Amount: amount, Ref: ref, Note: note, At: now}, nil
}

// Debit takes amount from the balance for a purchase or a negative
// adjustment. A purchase starts as processing: the money is held until the
// number is confirmed (Complete) or the saga fails (Fail gives it back).
func (w *Wallet) Debit(op OpID, kind EntryKind, amount Nano, ref string, days int, note string, now time.Time) (*WalletDebited, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if kind != KindPurchase && kind != KindAdjustment {
		return nil, fmt.Errorf("%w: cannot debit a %s", ErrNotPermitted, kind)
	}
	if err := amount.Validate(); err != nil {
		return nil, err
	}
	if _, ok := w.Entry(op); ok {
		return nil, ErrDuplicateOp
	}
	if w.Balance < amount {
		return nil, &InsufficientFundsError{Balance: w.Balance, Need: amount}
	}
	st := EntryCompleted
	if kind == KindPurchase {
		st = EntryProcessing
	}
	return &WalletDebited{Op: op, Kind: kind, Amount: amount, Status: st, Ref: ref, Days: days, Note: note, At: now}, nil
}

// OpenRecharge records a top-up invoice as a pending entry, so the user's
// history shows it before the money arrives.
func (w *Wallet) OpenRecharge(op OpID, amount Nano, ref string, now time.Time) (*EntryOpened, error) {
	if err := op.Validate(); err != nil {
		return nil, err
	}
	if err := amount.Validate(); err != nil {
		return nil, err
	}
	if _, ok := w.Entry(op); ok {
		return nil, ErrDuplicateOp
	}
	return &EntryOpened{Op: op, Amount: amount, Ref: ref, At: now}, nil
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
		if _, err := AddNano(w.Balance, e.Amount); err != nil {
			return nil, err
		}
	}
	return &EntrySettled{Op: op, Status: to, Note: note, At: now}, nil
}

// Check verifies the ledger invariant: the balance is exactly the sum of the
// entries that count (completed ones, and processing debits), and never negative.
func (w *Wallet) Check() error {
	var sum Nano
	for i := range w.Entries {
		e := &w.Entries[i]
		if !e.holds() {
			continue
		}
		if e.Debit {
			sum -= e.Amount
		} else {
			sum += e.Amount
		}
	}
	if sum != w.Balance || w.Balance < 0 {
		return fmt.Errorf("domain: wallet %d: balance %d but ledger sums to %d", w.User, w.Balance, sum)
	}
	return nil
}

// Clone returns a deep copy, for readers outside the wallet's actor.
func (w *Wallet) Clone() *Wallet {
	return &Wallet{User: w.User, Balance: w.Balance, Entries: slices.Clone(w.Entries), Seq: w.Seq}
}
