package domain

import "time"

// WalletEvent is an event that changes one Wallet.
type WalletEvent interface {
	Event
	applyWallet(w *Wallet)
}

// Apply applies e to w and records seq as w's last applied sequence.
func (w *Wallet) Apply(e WalletEvent, seq uint64) {
	e.applyWallet(w)
	w.Seq = seq
}

// WalletCredited adds money.
type WalletCredited struct {
	Op     OpID      `msgpack:"op"`
	Kind   EntryKind `msgpack:"k"`
	Amount Nano      `msgpack:"a"`
	Ref    string    `msgpack:"rf,omitempty"`
	Note   string    `msgpack:"n,omitempty"`
	At     time.Time `msgpack:"at"`
}

// WalletDebited takes money.
type WalletDebited struct {
	Op     OpID        `msgpack:"op"`
	Kind   EntryKind   `msgpack:"k"`
	Amount Nano        `msgpack:"a"`
	Status EntryStatus `msgpack:"s"`
	Ref    string      `msgpack:"rf,omitempty"`
	Days   int         `msgpack:"d,omitempty"`
	Note   string      `msgpack:"n,omitempty"`
	At     time.Time   `msgpack:"at"`
}

// EntryOpened records a pending recharge.
type EntryOpened struct {
	Op     OpID      `msgpack:"op"`
	Amount Nano      `msgpack:"a"`
	Ref    string    `msgpack:"rf,omitempty"`
	At     time.Time `msgpack:"at"`
}

// EntrySettled moves an entry to a final status.
type EntrySettled struct {
	Op     OpID        `msgpack:"op"`
	Status EntryStatus `msgpack:"s"`
	Note   string      `msgpack:"n,omitempty"`
	At     time.Time   `msgpack:"at"`
}

func (e *WalletCredited) applyWallet(w *Wallet) {
	w.Balance += e.Amount
	if x, ok := w.Entry(e.Op); ok {
		x.Kind, x.Amount, x.Status, x.Updated = e.Kind, e.Amount, EntryCompleted, e.At
		return
	}
	w.add(Entry{Op: e.Op, Kind: e.Kind, Amount: e.Amount, Status: EntryCompleted, Created: e.At, Ref: e.Ref, Note: e.Note})
}

func (e *WalletDebited) applyWallet(w *Wallet) {
	w.Balance -= e.Amount
	w.add(Entry{Op: e.Op, Kind: e.Kind, Amount: e.Amount, Debit: true, Status: e.Status, Created: e.At,
		Ref: e.Ref, Days: e.Days, Note: e.Note})
}

func (e *EntryOpened) applyWallet(w *Wallet) {
	w.add(Entry{Op: e.Op, Kind: KindRecharge, Amount: e.Amount, Status: EntryPending, Created: e.At, Ref: e.Ref})
}

func (e *EntrySettled) applyWallet(w *Wallet) {
	x, ok := w.Entry(e.Op)
	if !ok {
		return
	}
	if x.Debit && x.Status == EntryProcessing && e.Status == EntryFailed {
		w.Balance += x.Amount
	}
	x.Status, x.Updated = e.Status, e.At
	if e.Note != "" {
		x.Note = e.Note
	}
}
