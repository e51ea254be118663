package ton

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/domain"
)

// ErrForgedJetton is a transfer_notification from an address other than our
// own jetton wallet: anyone can deploy a jetton that sends one, so it
// proves nothing and pays nothing.
var ErrForgedJetton = errors.New("ton: jetton notification from a stranger")

// JettonVerdict is what a transaction means for jetton payments. Its String
// is the outcome label the caller counts it under
// (allot_payments_total{outcome="forged"}).
type JettonVerdict uint8

// The verdicts of JettonAccount.Classify.
const (
	// JettonNone: not a jetton notification to our wallet; the TON reading
	// (ToPayment) is all there is to it.
	JettonNone JettonVerdict = iota
	// JettonGenuine: a notification from our jetton wallet, fully read: the
	// jettons are ours and the payment can be matched.
	JettonGenuine
	// JettonForged: a notification from any other address, whatever it
	// claims. Never a payment.
	JettonForged
	// JettonIgnored: a bounced message that carries a notification. Jetton
	// wallets send notifications non-bounceable, so no real one bounces.
	JettonIgnored
	// JettonMalformed: a notification from our jetton wallet that cannot be
	// read in full (an amount of 0, a body cut short, a comment that is not
	// text). What was read is in the payment, for an admin to look at; it
	// must not be matched automatically.
	JettonMalformed
)

var jettonVerdictNames = [...]string{"none", "genuine", "forged", "ignored", "malformed"}

// String is the verdict's metric label.
func (v JettonVerdict) String() string {
	if int(v) < len(jettonVerdictNames) {
		return jettonVerdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", v)
}

// JettonPayment is one incoming jetton transfer, identified like a TON
// payment by the transaction on our wallet that received its notification.
type JettonPayment struct {
	Tx      domain.TxID
	Source  string // the raw form of the jetton wallet that sent the notification
	Amount  uint64 // in the jetton's smallest units (USDT: millionths of a dollar)
	Comment string // the text comment, "" when the payload is not text; never shown to anyone
	Sender  string // the payer's wallet as wallets show it (UQ…); "" when the notification names none
	QueryID uint64
	At      time.Time
}

// JettonAccount is our side of one jetton: the wallet that receives
// notifications and the jetton wallet that the jetton's master assigned to
// it (ResolveJettonWallet). The jetton wallet is the only address whose
// notifications are believed; it is what makes USDT USDT.
type JettonAccount struct {
	Owner   *address.Address // our wallet, to which notifications are addressed
	Wallet  *address.Address // our jetton wallet of the one master we accept
	Testnet bool             // render senders with the testnet flag
}

// Classify reads one transaction of our wallet. Only JettonGenuine is a
// payment; for the other verdicts the payment carries what could be read
// (at least Tx and Source), for the log, and the error says why. Whether
// our wallet's own transaction kept its TON does not matter: the jettons
// were credited to our jetton wallet before the notification left it. It
// never panics.
func (a JettonAccount) Classify(tx *tlb.Transaction) (JettonPayment, JettonVerdict, error) {
	in := inboundTo(tx, a.Owner)
	if in == nil || a.Wallet == nil {
		return JettonPayment{}, JettonNone, nil
	}
	notice, bounced := notificationOp(in.Body)
	if !notice {
		return JettonPayment{}, JettonNone, nil
	}
	p := JettonPayment{
		Tx:     domain.TxID{Account: Raw(a.Owner), LT: tx.LT, Hash: hex.EncodeToString(tx.Hash)},
		Source: sourceOf(in.SrcAddr),
		At:     time.Unix(int64(tx.Now), 0).UTC(),
	}
	switch {
	case bounced || in.Bounced:
		return p, JettonIgnored, fmt.Errorf("ton: jetton notification in %d bounced", tx.LT)
	case !sameAccount(in.SrcAddr, a.Wallet):
		return p, JettonForged, fmt.Errorf("%w: %s in %d", ErrForgedJetton, p.Source, tx.LT)
	}
	n, err := DecodeJettonNotification(in.Body)
	p.Amount, p.Comment, p.Sender, p.QueryID = n.Amount, n.Comment, friendly(n.Sender, a.Testnet), n.QueryID
	if err != nil {
		return p, JettonMalformed, fmt.Errorf("ton: notification in %d from our jetton wallet: %w", tx.LT, err)
	}
	return p, JettonGenuine, nil
}

// inboundTo is tx's inbound internal message if it is addressed to owner.
func inboundTo(tx *tlb.Transaction, owner *address.Address) *tlb.InternalMessage {
	if tx == nil || tx.IO.In == nil || owner == nil {
		return nil
	}
	in, ok := tx.IO.In.Msg.(*tlb.InternalMessage)
	if !ok || in == nil || !sameAccount(in.DstAddr, owner) {
		return nil
	}
	return in
}

// notificationOp reports whether body is a transfer_notification, and
// whether it is one inside a bounce (0xffffffff first).
func notificationOp(body *cell.Cell) (notice, bounced bool) {
	if body == nil {
		return false, false
	}
	s := body.BeginParse()
	op, err := s.LoadUInt(32)
	if err == nil && op == opBounced {
		bounced = true
		op, err = s.LoadUInt(32)
	}
	return err == nil && op == OpTransferNotification, bounced
}

// sameAccount compares two internal addresses by workchain and account id.
// tonutils-go's Equals ignores the kind of address, which would let an
// external or a var address pass for a standard one with the same bits.
func sameAccount(a, b *address.Address) bool {
	return a != nil && b != nil && a.Type() == address.StdAddress && b.Type() == address.StdAddress && a.Equals(b)
}

// sourceOf is the raw form of a message's source, or its kind when it is
// not a standard address.
func sourceOf(a *address.Address) string {
	switch {
	case a == nil:
		return "none"
	case a.Type() == address.StdAddress:
		return Raw(a)
	}
	return a.String()
}
