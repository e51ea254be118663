package ton

import (
	"encoding/hex"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"

	"allot/domain"
)

// ToPayment reads the transfer a transaction brought to account (its raw
// form, "0:<hex>"). It reports false for a transaction without an inbound
// internal message, such as our own wallet's outgoing operation: that is not
// a payment, though it still moves the cursor. Source and the tests over
// real mainnet data share it, so both see the same reading. It never panics,
// whatever the transaction holds.
func ToPayment(tx *tlb.Transaction, account string, testnet bool) (domain.Payment, bool) {
	if tx == nil || tx.IO.In == nil {
		return domain.Payment{}, false
	}
	in, ok := tx.IO.In.Msg.(*tlb.InternalMessage)
	if !ok || in == nil {
		return domain.Payment{}, false
	}
	amount, fits := nanoOf(in.Amount)
	return domain.Payment{
		Tx:      domain.TxID{Account: account, LT: tx.LT, Hash: hex.EncodeToString(tx.Hash)},
		Amount:  amount,
		Comment: in.Comment(),
		From:    friendly(in.SrcAddr, testnet),
		At:      time.Unix(int64(tx.Now), 0).UTC(),
		Bounced: in.Bounced,
		Failed:  !fits || !keptValue(tx.Description),
	}, true
}

// nanoOf converts an amount of coins, which the chain allows up to 2^120,
// to Nano. One that does not fit int64 comes back as 0 and false: the
// caller marks the payment failed rather than pass on a clamped number.
func nanoOf(c tlb.Coins) (domain.Nano, bool) {
	n := c.Nano() // never nil
	if n.Sign() < 0 || !n.IsInt64() {
		return 0, false
	}
	return domain.Nano(n.Int64()), true
}

// keptValue reports whether the account kept the inbound value: an ordinary
// transaction that credited it, sent no bounce and did not destroy the
// account. "Aborted" alone is not enough to say no, because a skipped
// compute phase (an undeployed wallet, a transfer too small for gas) aborts
// and keeps the value; see the package doc.
func keptValue(desc any) bool {
	switch d := desc.(type) {
	case tlb.TransactionDescriptionOrdinary:
		return ordinaryKept(&d)
	case *tlb.TransactionDescriptionOrdinary:
		return d != nil && ordinaryKept(d)
	}
	return false
}

func ordinaryKept(d *tlb.TransactionDescriptionOrdinary) bool {
	return d.CreditPhase != nil && d.BouncePhase == nil && !d.Destroyed
}

// friendly renders a sender the way wallets show it: user-friendly and
// non-bounceable (UQ…), with the testnet flag on testnet. A missing or
// external sender is "".
func friendly(a *address.Address, testnet bool) string {
	if a == nil {
		return ""
	}
	switch a.Type() {
	case address.StdAddress:
		return a.Bounce(false).Testnet(testnet).String()
	case address.VarAddress:
		return a.String()
	}
	return ""
}

// Raw is an address in the raw form "0:<hex>" that identifies an account
// in TxIDs and in the watcher's name, whatever flags it was written with.
func Raw(a *address.Address) string {
	if a == nil {
		return ""
	}
	return a.StringRaw()
}

// Friendly is an address as people should see and copy it: user-friendly
// and non-bounceable (UQ…), so that a transfer to it never bounces for an
// undeployed wallet, with the testnet flag on testnet.
func Friendly(a *address.Address, testnet bool) string { return friendly(a, testnet) }
