package actors

import (
	"context"
	"errors"
	"slices"

	"allot/domain"
)

// What keeps a person's top-ups and their traces from growing for ever: at
// most domain.MaxOpenTopUps open at once, and closed invoices and ended
// pending recharges forgotten after domain.InvoiceRetention (the journal
// keeps their history).
//
// The cap is counted in the wallet. Invoices are spread over the register's
// shards by code, so no one shard sees all of a person's; but every open
// top-up is a pending entry in its owner's one wallet, whose mailbox puts
// them in order.
//
// Wallets are pruned from the periodic invoice sweep, not on their next
// change: each shard, as it prunes a top-up invoice, asks that invoice's
// owner's wallet to prune, since the invoice and its pending entry ended
// together. So only wallets with something to prune are woken, and a
// person who never comes back is pruned too.

// capTopUps cancels the person's open top-ups beyond domain.MaxOpenTopUps,
// oldest first, each through the register's own close, which settles its
// pending entry as cancelled. A failure is logged, not returned: the new
// invoice stands, the older ones still expire with their window, and the
// next top-up tries again.
func (e *Engine) capTopUps(ctx context.Context, user domain.UserID) {
	over, err := askAs[[]domain.Entry](e.ask(ctx, domain.KindWallet, walletID(user), false, func(r replyTo) command {
		return &topUpsOverCap{asker: asker{r}, limit: domain.MaxOpenTopUps}
	}))
	for _, x := range over {
		code := domain.NormalizeCode(x.Ref)
		if code == "" {
			continue
		}
		_, cerr := e.ask(ctx, domain.KindPayments, shardOf(code), false, func(r replyTo) command {
			return &cancelTopUp{asker: asker{r}, code: code, op: x.Op, user: user}
		})
		err = errors.Join(err, cerr)
	}
	if err != nil {
		e.log.Warn("cancelling top-ups over the cap failed", "user", user, "err", err)
	}
}

// topUpsOverCap answers the wallet's pending recharges beyond the newest
// limit, oldest first.
type topUpsOverCap struct {
	asker
	limit int
}

func (c *topUpsOverCap) run(x *exec) {
	var over []domain.Entry
	if w, _ := x.e.state.(*domain.Wallet); w != nil {
		over = w.TopUpsOverCap(c.limit)
	}
	x.reply(c.r, over, nil)
}

// cancelTopUp cancels a top-up that newer ones pushed over the cap. One
// that already closed while its entry stayed pending (a crash came between
// the register's record and the wallet's) has the entry settled again as
// the invoice ended; one already pruned has it cancelled, since no invoice
// is left to pay it. A paid one is left to its credit.
type cancelTopUp struct {
	asker
	code string
	op   domain.OpID
	user domain.UserID
}

func (c *cancelTopUp) run(x *exec) {
	p := x.e.state.(*domain.Payments)
	inv, ok := p.Invoices[c.code]
	switch {
	case !ok:
		x.send(domain.KindWallet, walletID(c.user), &settleEntry{op: c.op, to: domain.EntryCancelled})
	case inv.Op != c.op || inv.User != c.user || inv.Purpose != domain.PurposeTopUp:
		// not this top-up's invoice: nothing of it to cancel here
	case inv.Status == domain.InvoiceOpen:
		ev, err := p.Close(c.code, domain.InvoiceCancelled, x.now)
		if err == nil {
			_, err = x.emit(ev)
		}
		if err != nil {
			x.reply(c.r, nil, err)
			return
		}
		x.afterClose(*inv, domain.InvoiceCancelled)
	case inv.Status != domain.InvoicePaid:
		x.afterClose(*inv, inv.Status)
	}
	x.reply(c.r, nil, nil)
}

// pruneInvoices forgets the shard's closed invoices past the retention,
// then asks the owner of each pruned top-up to prune their wallet.
func (x *exec) pruneInvoices() {
	p := x.e.state.(*domain.Payments)
	var owners []domain.UserID
	for {
		ev := p.Prune(x.now, domain.InvoiceRetention, x.eng.gaps.open(x.now)...)
		if ev == nil {
			break
		}
		for _, code := range ev.Codes {
			if inv := p.Invoices[code]; inv.Purpose == domain.PurposeTopUp {
				owners = append(owners, inv.User)
			}
		}
		if _, err := x.emit(ev); err != nil {
			x.eng.log.Error("invoice pruning failed", "shard", x.e.id, "err", err)
			return
		}
	}
	slices.Sort(owners)
	for _, u := range slices.Compact(owners) {
		x.route(domain.KindWallet, walletID(u), &pruneWallet{}, false)
	}
}

// pruneWallet forgets the wallet's pending recharges that ended (expired,
// cancelled, failed) more than the retention ago; it answers how many.
type pruneWallet struct{ asker }

func (c *pruneWallet) run(x *exec) {
	n := 0
	w, _ := x.e.state.(*domain.Wallet)
	for w != nil {
		ev := w.Prune(x.now, domain.InvoiceRetention)
		if ev == nil {
			break
		}
		if _, err := x.emit(ev); err != nil {
			x.eng.log.Error("wallet pruning failed", "wallet", x.e.id, "err", err)
			break
		}
		n += len(ev.Ops)
	}
	x.reply(c.r, n, nil)
}
