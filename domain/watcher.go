package domain

import (
	"fmt"
	"time"
)

// Watcher is the durable state of the payment watcher of one receiving
// wallet: how far it has read the chain, which transactions it has already
// handed on (and to which payments shard), and the last batch, which is
// handed on again after a restart because its delivery may not have
// finished.
//
// Routed is what makes "a transaction applies at most once, ever" hold for
// the chain: a transaction is routed once, and a re-delivery (a re-poll, a
// cursor set back, a liteserver that repeats itself) is recognised here
// before it could reach a different shard.
type Watcher struct {
	Wallet string            `msgpack:"w"`
	Cursor ChainCursor       `msgpack:"c"`
	Routed map[string]string `msgpack:"r"` // TxID.Key → route
	Batch  []RoutedPayment   `msgpack:"b,omitempty"`
	Seq    uint64            `msgpack:"sq"`
	// Moved is when the cursor last moved (zero in states from before it
	// was kept): the start of a gap found later, since the cursor's own
	// transaction, and its time, are what the liteservers forgot.
	Moved time.Time  `msgpack:"mv,omitempty"`
	Gaps  []ChainGap `msgpack:"g,omitempty"` // stretches of history never read (watcher_gap.go)
	// Jettons are the jetton wallets our wallet's masters named
	// (watcher_jetton.go); absent in states from before USDT.
	Jettons []JettonWallet `msgpack:"j,omitempty"`
}

// RoutedPayment is one payment and the payments shard that decides it.
// The payment's comment is reduced to the invoice code it was matched on
// (or nothing), so no stranger's text is ever stored.
type RoutedPayment struct {
	Payment Payment `msgpack:"p"`
	Route   string  `msgpack:"s"`
}

// NewWatcher returns the state of a watcher that has read nothing yet.
func NewWatcher(wallet string) *Watcher {
	return &Watcher{Wallet: wallet, Routed: map[string]string{}}
}

// Known reports whether a transaction was already handed on.
func (w *Watcher) Known(tx TxID) bool {
	_, ok := w.Routed[tx.Key()]
	return ok
}

// Advance decides a step of the watcher: the batch is handed on and the
// cursor moves to after. Transactions already routed are dropped from the
// batch (the caller counts them as duplicates); the cursor never goes back.
func (w *Watcher) Advance(after ChainCursor, batch []RoutedPayment) (*WatcherAdvanced, error) {
	if after.LT < w.Cursor.LT || after.LT == w.Cursor.LT && after.Hash != w.Cursor.Hash && !w.Cursor.IsZero() {
		return nil, fmt.Errorf("%w: cursor %d is behind %d", ErrNotPermitted, after.LT, w.Cursor.LT)
	}
	ev := &WatcherAdvanced{Cursor: after}
	seen := make(map[string]bool, len(batch))
	for _, rp := range batch {
		k := rp.Payment.Tx.Key()
		if rp.Payment.Tx.LT == 0 || rp.Payment.Tx.Hash == "" || rp.Route == "" {
			return nil, fmt.Errorf("%w: payment without a transaction id or route", ErrNotPermitted)
		}
		if w.Known(rp.Payment.Tx) || seen[k] {
			continue
		}
		seen[k] = true
		ev.Batch = append(ev.Batch, rp)
	}
	if after == w.Cursor && len(ev.Batch) == 0 {
		return nil, nil // nothing new: nothing to journal
	}
	return ev, nil
}

// WatcherAdvanced records a batch handed on and the new cursor, in one
// record, so that a crash leaves either both or neither.
type WatcherAdvanced struct {
	Cursor ChainCursor     `msgpack:"c"`
	Batch  []RoutedPayment `msgpack:"b,omitempty"`
	At     time.Time       `msgpack:"at,omitempty"` // when; zero in records from before it was kept
}

// Apply applies e to w and records seq.
func (w *Watcher) Apply(e WatcherEvent, seq uint64) {
	if w.Routed == nil {
		w.Routed = map[string]string{}
	}
	e.applyWatcher(w)
	w.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (w *Watcher) LastSeq() uint64 { return w.Seq }

// ApplyEvent applies ev if it is an event of a watcher (State).
func (w *Watcher) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindWatcher, ev, seq, w.Apply)
}

func (e *WatcherAdvanced) applyWatcher(w *Watcher) {
	w.Cursor = e.Cursor
	w.Batch = e.Batch
	for _, rp := range e.Batch {
		w.Routed[rp.Payment.Tx.Key()] = rp.Route
	}
	if !e.At.IsZero() {
		w.Moved = e.At
	}
}

// Clone returns a deep copy for readers outside the actor.
func (w *Watcher) Clone() *Watcher {
	c := *w
	c.Routed = make(map[string]string, len(w.Routed))
	for k, v := range w.Routed {
		c.Routed[k] = v
	}
	c.Batch = append([]RoutedPayment(nil), w.Batch...)
	c.Gaps = append([]ChainGap(nil), w.Gaps...)
	c.Jettons = append([]JettonWallet(nil), w.Jettons...)
	return &c
}
