package domain

import (
	"fmt"
	"strings"
)

// maxAddressLen bounds an address a jetton wallet record keeps: a raw
// address is 66 characters ("0:" and 64 hex digits), a workchain of -1
// adds one; anything much longer is not an address and is not journaled.
const maxAddressLen = 80

// JettonWallet is which jetton wallet a jetton master says belongs to the
// watcher's wallet (the master's get_wallet_address): the one address whose
// transfer notifications are real payments in that jetton. Every field is a
// raw address ("0:<hex>").
//
// It is kept in the watcher's state, and so in the journal, because asking
// the master needs a liteserver that answers: a restart during an outage
// must still know which notifications to believe.
type JettonWallet struct {
	Master string `msgpack:"m"`
	Owner  string `msgpack:"o"`
	Wallet string `msgpack:"w"`
}

// WatcherJettonResolved records the jetton wallet a master named for an
// owner, replacing any earlier answer for the same master and owner.
type WatcherJettonResolved struct {
	Master string `msgpack:"m"`
	Owner  string `msgpack:"o"`
	Wallet string `msgpack:"w"`
}

// JettonWallet returns the jetton wallet recorded for master and owner.
func (w *Watcher) JettonWallet(master, owner string) (string, bool) {
	for _, j := range w.Jettons {
		if j.Master == master && j.Owner == owner {
			return j.Wallet, true
		}
	}
	return "", false
}

// RememberJetton decides the record of a jetton wallet resolved from its
// master: nil when the same wallet is already recorded (asking again after
// a restart changes nothing). A different wallet for the same master and
// owner is recorded and replaces the old one: the master's newest answer
// is the authority (a master may be upgraded to new wallet code), and
// keeping the old address would trust notifications from a wallet the
// master no longer names and ignore the real ones. The old answer stays in
// the journal for an operator to see.
func (w *Watcher) RememberJetton(master, owner, wallet string) (*WatcherJettonResolved, error) {
	for _, a := range []string{master, owner, wallet} {
		if a == "" || len(a) > maxAddressLen || !strings.Contains(a, ":") {
			return nil, fmt.Errorf("%w: %q is not a raw address", ErrNotPermitted, a)
		}
	}
	if w.Wallet != "" && owner != w.Wallet {
		return nil, fmt.Errorf("%w: the jetton wallet of %s recorded in the watcher of %s", ErrNotPermitted, owner, w.Wallet)
	}
	if wallet == master || wallet == owner {
		return nil, fmt.Errorf("%w: a jetton wallet is neither its master nor its owner", ErrNotPermitted)
	}
	if got, ok := w.JettonWallet(master, owner); ok && got == wallet {
		return nil, nil
	}
	return &WatcherJettonResolved{Master: master, Owner: owner, Wallet: wallet}, nil
}

// EventType is here, not in events.go's list, only to keep that list's
// alignment: the type is registered there (TypeWatcherJetton).
func (*WatcherJettonResolved) EventType() EventType { return TypeWatcherJetton }

func (e *WatcherJettonResolved) applyWatcher(w *Watcher) {
	for i, j := range w.Jettons {
		if j.Master == e.Master && j.Owner == e.Owner {
			w.Jettons[i].Wallet = e.Wallet
			return
		}
	}
	w.Jettons = append(w.Jettons, JettonWallet{Master: e.Master, Owner: e.Owner, Wallet: e.Wallet})
}
