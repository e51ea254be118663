package actors

import (
	"context"
	"fmt"

	"allot/domain"
)

// JettonWallet returns the jetton wallet that master named for owner, as
// recorded in the journal by RememberJettonWallet (raw addresses, "0:…").
// ok is false when none is recorded: the caller asks the master. The
// record lives in the watcher entity of owner, which need not be watching
// yet.
func (e *Engine) JettonWallet(ctx context.Context, master, owner string) (wallet string, ok bool, err error) {
	if !e.closed.Load() && !e.knows(domain.KindWatcher, owner) {
		return "", false, nil // never watched, never resolved: no entity needed to say so
	}
	got, err := askAs[jettonAnswer](e.ask(ctx, domain.KindWatcher, owner, false, func(r replyTo) command {
		return &getJettonWallet{asker: asker{r}, master: master, owner: owner}
	}))
	if err != nil {
		return "", false, fmt.Errorf("actors: the jetton wallet of %s: %w", owner, err)
	}
	return got.wallet, got.ok, nil
}

// RememberJettonWallet records durably which jetton wallet master named for
// owner, so that a restart does not depend on a liteserver answering the
// master's get-method. It returns once the record is durable. Recording
// the same wallet again journals nothing; a different one replaces the old
// (domain.Watcher.RememberJetton says why).
func (e *Engine) RememberJettonWallet(ctx context.Context, master, owner, wallet string) error {
	_, err := e.ask(ctx, domain.KindWatcher, owner, true, func(r replyTo) command {
		return &rememberJetton{asker: asker{r}, master: master, owner: owner, wallet: wallet}
	})
	if err != nil {
		return fmt.Errorf("actors: remember the jetton wallet of %s: %w", owner, err)
	}
	return nil
}

// jettonAnswer is getJettonWallet's reply.
type jettonAnswer struct {
	wallet string
	ok     bool
}

type getJettonWallet struct {
	asker
	master, owner string
}

func (c *getJettonWallet) run(x *exec) {
	w, ok := x.watcher().JettonWallet(c.master, c.owner)
	x.reply(c.r, jettonAnswer{wallet: w, ok: ok}, nil)
}

// rememberJetton journals a jetton wallet resolved from its master.
type rememberJetton struct {
	asker
	master, owner, wallet string
}

func (c *rememberJetton) run(x *exec) {
	ev, err := x.watcher().RememberJetton(c.master, c.owner, c.wallet)
	if err == nil && ev != nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, nil, err)
}
