package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// payRig is the fake chain of -mode payments: our receiving wallet, the
// USDT master (mainnet's address, answered by the fake master) and our
// jetton wallet as that master names it.
type payRig struct {
	wallet  *address.Address
	chain   *tontest.Chain
	master  *address.Address
	jettons *address.Address   // our USDT jetton wallet: the only genuine sender of notifications
	start   domain.ChainCursor // the wallet's own first transaction: the watcher starts after it
}

func newPayRig(ctx context.Context) (*payRig, error) {
	wallet := tontest.Address("allot-receiving-wallet")
	chain := tontest.New(wallet)
	chain.Outgoing(tontest.Address("deploy"), 1, time.Now()) // the wallet's own first transaction
	master := address.MustParseAddr(ton.USDTMaster)
	// Resolved as the bot resolves it at start: get_wallet_address on the master.
	ours, err := ton.ResolveJettonWallet(ctx, &tontest.JettonMaster{Master: master}, master, wallet)
	if err != nil {
		return nil, fmt.Errorf("resolve our USDT jetton wallet: %w", err)
	}
	return &payRig{wallet: wallet, chain: chain, master: master, jettons: ours, start: chain.Head()}, nil
}

// account is the receiving wallet's raw address: the watcher's id.
func (r *payRig) account() string { return ton.Raw(r.wallet) }

// source is the real TON source of the wallet, reading USDT payments from
// our jetton wallet.
func (r *payRig) source() *ton.Source {
	// Forged notifications are logged at Info, one line each: the run
	// counts them instead. A malformed one would still be logged (Warn).
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return ton.NewSource(r.chain, r.wallet, ton.WithUSDT(ton.JettonAccount{Owner: r.wallet, Wallet: r.jettons}),
		ton.WithLogger(quiet))
}

// emit puts every planned transaction on the chain, in order, at the
// engine's time, and notes where each landed.
func (r *payRig) emit(p *paymentPlan, clock func() time.Time, seed int64) {
	rnd := rand.New(rand.NewPCG(uint64(seed), 11))
	for i := range p.txs {
		t := &p.txs[i]
		from := tontest.Address(fmt.Sprintf("payer-%d", rnd.IntN(1000)))
		switch {
		case t.kind == payBounce:
			t.tx = r.chain.Bounce(from, t.amount, clock())
		case t.currency == domain.CurrencyUSDT:
			n := tontest.Notification{QueryID: uint64(i), Units: uint64(t.amount), Sender: from,
				Comment: t.comment, InRef: i%2 == 0}
			t.tx = r.chain.Notify(r.notifier(t.kind, i, from), n, clock())
		default:
			t.tx = r.chain.Pay(from, t.amount, t.comment, clock())
		}
	}
}

// notifier is the contract a USDT notification comes from: our jetton
// wallet for a genuine one. A forged one comes, in turn, from the wallet
// a look-alike jetton's master assigns to us, or from the payer's own USDT
// jetton wallet (of the real master, but not ours).
func (r *payRig) notifier(k payKind, i int, payer *address.Address) *address.Address {
	switch {
	case k != usdtForged:
		return r.jettons
	case i%2 == 0:
		return tontest.JettonWalletOf(tontest.Address("look-alike-usdt-master"), r.wallet)
	}
	return tontest.JettonWalletOf(r.master, payer)
}
