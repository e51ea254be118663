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

// LastSeq is the sequence of the last event applied (State).
func (w *Wallet) LastSeq() uint64 { return w.Seq }

// ApplyEvent applies ev if it is an event of a wallet (State).
func (w *Wallet) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindWallet, ev, seq, w.Apply)
}

// WalletCredited adds money. Amount is in Currency's smallest unit; a
// record without a currency was written before there were two, and is TON.
type WalletCredited struct {
	Op       OpID      `msgpack:"op"`
	Kind     EntryKind `msgpack:"k"`
	Amount   Nano      `msgpack:"a"`
	Currency Currency  `msgpack:"cu,omitempty"`
	Ref      string    `msgpack:"rf,omitempty"`
	Note     string    `msgpack:"n,omitempty"`
	At       time.Time `msgpack:"at"`
	// Completed are purchases of this wallet completed before this credit,
	// recorded with it instead of each by an EntrySettled (wallet_complete.go).
	Completed []OpID `msgpack:"cp,omitempty"`
}

// WalletDebited takes money, from the balance of Currency only (TON when
// absent, as in every record before currencies).
type WalletDebited struct {
	Op       OpID        `msgpack:"op"`
	Kind     EntryKind   `msgpack:"k"`
	Amount   Nano        `msgpack:"a"`
	Currency Currency    `msgpack:"cu,omitempty"`
	Status   EntryStatus `msgpack:"s"`
	Ref      string      `msgpack:"rf,omitempty"`
	Days     int         `msgpack:"d,omitempty"`
	Note     string      `msgpack:"n,omitempty"`
	At       time.Time   `msgpack:"at"`
	// Completed are purchases completed before this debit, as in
	// WalletCredited.
	Completed []OpID `msgpack:"cp,omitempty"`
}

// EntryOpened records a pending recharge in Currency (TON when absent).
type EntryOpened struct {
	Op       OpID      `msgpack:"op"`
	Amount   Nano      `msgpack:"a"`
	Currency Currency  `msgpack:"cu,omitempty"`
	Ref      string    `msgpack:"rf,omitempty"`
	At       time.Time `msgpack:"at"`
}

// EntrySettled moves an entry to a final status.
type EntrySettled struct {
	Op     OpID        `msgpack:"op"`
	Status EntryStatus `msgpack:"s"`
	Note   string      `msgpack:"n,omitempty"`
	At     time.Time   `msgpack:"at"`
}

// addTo adds units to c's balance. A currency this build does not count
// never reaches here: decoding refuses it and every decision validates it.
func (w *Wallet) addTo(c Currency, units Nano) {
	if p := w.balance(c); p != nil {
		*p += int64(units)
	}
}

func (e *WalletCredited) applyWallet(w *Wallet) {
	w.complete(e.Completed, e.At)
	w.addTo(e.Currency, e.Amount)
	if x, ok := w.Entry(e.Op); ok {
		x.Kind, x.Amount, x.Currency, x.Status, x.Updated = e.Kind, e.Amount, e.Currency, EntryCompleted, e.At
		return
	}
	w.add(Entry{Op: e.Op, Kind: e.Kind, Amount: e.Amount, Currency: e.Currency, Status: EntryCompleted,
		Created: e.At, Ref: e.Ref, Note: e.Note})
}

func (e *WalletDebited) applyWallet(w *Wallet) {
	w.complete(e.Completed, e.At)
	w.addTo(e.Currency, -e.Amount)
	w.add(Entry{Op: e.Op, Kind: e.Kind, Amount: e.Amount, Currency: e.Currency, Debit: true, Status: e.Status,
		Created: e.At, Ref: e.Ref, Days: e.Days, Note: e.Note})
}

func (e *EntryOpened) applyWallet(w *Wallet) {
	w.add(Entry{Op: e.Op, Kind: KindRecharge, Amount: e.Amount, Currency: e.Currency, Status: EntryPending,
		Created: e.At, Ref: e.Ref})
}

func (e *EntrySettled) applyWallet(w *Wallet) {
	x, ok := w.Entry(e.Op)
	if !ok {
		return
	}
	if x.Debit && x.Status == EntryProcessing && e.Status == EntryFailed {
		w.addTo(x.Currency, x.Amount)
	}
	x.Status, x.Updated = e.Status, e.At
	if e.Note != "" {
		x.Note = e.Note
	}
}
