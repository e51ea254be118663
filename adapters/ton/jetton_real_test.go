package ton_test

import (
	"errors"
	"testing"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tlb"
	"github.com/xssnick/tonutils-go/ton/jetton"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
)

// realNotice is one of the seven transfer_notifications in the real block,
// as testdata/ton/README.md lists them (checked there against the chain:
// six sources are jetton wallets of the real USDT master, one is not).
type realNotice struct {
	lt       uint64
	owner    string // the destination: "our wallet" in the test
	source   string // the jetton wallet that sent it
	usdt     bool
	units    uint64
	wForward ton.ForwardKind
	wOp      uint32
}

var realNotices = []realNotice{
	{76734069000007, "EQAYqo4u7VF0fa4DPAebk4g9lBytj2VFny7pzXR0trjtXQaO", "EQCI2sZ8zq25yub6rHEY8FwPqV3zbCqS5oasOdljENCjh0bs", true, 305_507556, ton.ForwardOp, 0xe3a0d482},
	{76734069000010, "EQAYqo4u7VF0fa4DPAebk4g9lBytj2VFny7pzXR0trjtXQaO", "EQCI2sZ8zq25yub6rHEY8FwPqV3zbCqS5oasOdljENCjh0bs", true, 302_472963, ton.ForwardOp, 0xe3a0d482},
	{76734069000007, "EQCS4UEa5UaJLzOyyKieqQOQ2P9M-7kXpkO5HnP3Bv250cN3", "EQCSLWJ9fY7b0A5OI72wxUp27l4fRlc6GvRBeFf6PiPpH4p3", true, 2617_761542, ton.ForwardOp, 0x6664de2a},
	{76734069000010, "EQCS4UEa5UaJLzOyyKieqQOQ2P9M-7kXpkO5HnP3Bv250cN3", "EQCSLWJ9fY7b0A5OI72wxUp27l4fRlc6GvRBeFf6PiPpH4p3", true, 2613_151566, ton.ForwardOp, 0x6664de2a},
	{76734069000018, "EQCwyk2SVwbOgKCZbjQb9CKq1adK-frqhk3lRvXYlsYcKeva", "EQCwE7MHeSgbE7ZoHNfAgrINHrQM3JBDMOZ8t6lWg8RxC9WL", true, 305_507556, ton.ForwardEmpty, 0},
	{76734069000020, "EQDO4nXJQfSGQsUccsoluMxFipJ9IiAdHJ95CJR6DUYXHVAT", "EQDOn75gGFKbvftwNCXCTKzbhCHDVCqWOSBdV91Z3oMLa4dw", true, 302_472963, ton.ForwardEmpty, 0},
	{76734069000009, "EQCJ81a9ELPIYJGHxavNe7HVhAx_iojnPev_jmT_2PEgEAic", "EQBc4sNQyy1H6bxyfHBm6Pr6_Vorx9NhcBvuRKnsz4GFKHc5", false, 469052_560675, ton.ForwardEmpty, 0},
}

// account is the row's destination as our wallet; its USDT source, or for
// the non-USDT row a USDT wallet we pretend is ours (its real one is not
// in the block), as our jetton wallet.
func (r realNotice) account() ton.JettonAccount {
	wallet := address.MustParseAddr(r.source)
	if !r.usdt {
		wallet = tontest.Address("our USDT wallet")
	}
	return ton.JettonAccount{Owner: address.MustParseAddr(r.owner), Wallet: wallet}
}

// notifications returns the transactions of the real block whose inbound
// message is a transfer_notification.
func notifications(tb testing.TB) []*tlb.Transaction {
	tb.Helper()
	var out []*tlb.Transaction
	for _, tx := range loadReal(tb) {
		if tx.IO.In == nil {
			continue
		}
		if in, ok := tx.IO.In.Msg.(*tlb.InternalMessage); ok && in.Body != nil {
			if op, err := in.Body.BeginParse().LoadUInt(32); err == nil && op == ton.OpTransferNotification {
				out = append(out, tx)
			}
		}
	}
	return out
}

func realNotificationBodies(tb testing.TB) []*cell.Cell {
	tb.Helper()
	var out []*cell.Cell
	for _, tx := range notifications(tb) {
		out = append(out, tx.IO.In.Msg.(*tlb.InternalMessage).Body)
	}
	return out
}

// TestJettonAccount_Classify_Mainnet treats each listed destination as our
// wallet: exactly its USDT notifications are payments, with the listed
// amounts and no comment; the non-USDT one is forged; every other
// transaction of the block is none of our business.
func TestJettonAccount_Classify_Mainnet(t *testing.T) {
	txs := loadReal(t)
	if n := len(notifications(t)); n != len(realNotices) {
		t.Fatalf("%d notifications in the block, want %d", n, len(realNotices))
	}
	for _, r := range realNotices {
		acc := r.account()
		var found int
		for _, tx := range txs {
			p, v, err := acc.Classify(tx)
			switch {
			case tx.LT == r.lt && acc.Owner.Equals(dstOf(tx)):
				found++
				checkReal(t, r, p, v, err, tx)
			case v == ton.JettonNone:
			case v == ton.JettonGenuine && sameOwnerRow(r, tx):
			default:
				t.Errorf("%s: tx %d classified %v (%+v)", r.owner, tx.LT, v, p)
			}
		}
		if found != 1 {
			t.Errorf("%s at %d: found %d times", r.owner, r.lt, found)
		}
	}
}

// dstOf is the destination of tx's inbound message; addr_none when it has none.
func dstOf(tx *tlb.Transaction) *address.Address {
	if tx.IO.In != nil {
		if in, ok := tx.IO.In.Msg.(*tlb.InternalMessage); ok && in.DstAddr != nil {
			return in.DstAddr
		}
	}
	return address.NewAddressNone()
}

// sameOwnerRow reports whether tx is another listed USDT row to r's owner.
func sameOwnerRow(r realNotice, tx *tlb.Transaction) bool {
	for _, o := range realNotices {
		if o.owner == r.owner && o.lt == tx.LT && o.usdt {
			return true
		}
	}
	return false
}

func checkReal(t *testing.T, r realNotice, p ton.JettonPayment, v ton.JettonVerdict, err error, tx *tlb.Transaction) {
	t.Helper()
	if !r.usdt {
		if v != ton.JettonForged || !errors.Is(err, ton.ErrForgedJetton) || p.Amount != 0 || p.Source != ton.Raw(address.MustParseAddr(r.source)) {
			t.Errorf("non-USDT %d: %v %v %+v", r.lt, v, err, p)
		}
		return
	}
	if v != ton.JettonGenuine || err != nil {
		t.Fatalf("USDT %d to %s: %v %v", r.lt, r.owner, v, err)
	}
	if p.Amount != r.units || p.Comment != "" || p.Tx.LT != r.lt || p.Tx.Hash != hexOf(tx.Hash) ||
		p.Tx.Account != ton.Raw(address.MustParseAddr(r.owner)) || p.Source != ton.Raw(address.MustParseAddr(r.source)) {
		t.Errorf("USDT %d: %+v", r.lt, p)
	}
}

// TestJettonAccount_Classify_MainnetWrongWallet swaps the jetton wallets of
// two real owners: a genuine USDT notification to someone else's wallet
// is, for us, just as forged as a fake jetton's.
func TestJettonAccount_Classify_MainnetWrongWallet(t *testing.T) {
	a, b := realNotices[0], realNotices[2]
	acc := ton.JettonAccount{Owner: address.MustParseAddr(a.owner), Wallet: address.MustParseAddr(b.source)}
	counts := map[ton.JettonVerdict]int{}
	for _, tx := range loadReal(t) {
		_, v, _ := acc.Classify(tx)
		counts[v]++
	}
	if counts[ton.JettonForged] != 2 || counts[ton.JettonGenuine] != 0 || counts[ton.JettonMalformed] != 0 {
		t.Errorf("verdicts %v", counts)
	}
}

// TestDecodeJettonNotification_MainnetMatchesTonutils reads the seven real
// bodies with our decoder and with tonutils-go's TL-B one: the same query
// id, amount and sender, and the forward payload the README lists.
func TestDecodeJettonNotification_MainnetMatchesTonutils(t *testing.T) {
	for i, tx := range notifications(t) {
		body := tx.IO.In.Msg.(*tlb.InternalMessage).Body
		n, err := ton.DecodeJettonNotification(body)
		if err != nil {
			t.Fatalf("tx %d: %v", tx.LT, err)
		}
		var want jetton.TransferNotification
		if err := tlb.LoadFromCell(&want, body.BeginParse()); err != nil {
			t.Fatalf("tonutils-go: %v", err)
		}
		if n.QueryID != want.QueryID || n.Amount != want.Amount.Nano().Uint64() || !sameAddr(n.Sender, want.Sender) {
			t.Errorf("tx %d: ours %+v, tonutils-go %+v", tx.LT, n, want)
		}
		r := rowOf(t, tx)
		if n.Amount != r.units || n.Forward != r.wForward || n.ForwardOp != r.wOp || n.Comment != "" {
			t.Errorf("notification %d (tx %d): %+v, want %+v", i, tx.LT, n, r)
		}
		if !r.usdt && (n.QueryID != 1 || !n.Sender.IsAddrNone()) {
			t.Errorf("non-USDT: query id %d, sender %v; want 1 and none", n.QueryID, n.Sender)
		}
	}
}

func rowOf(tb testing.TB, tx *tlb.Transaction) realNotice {
	tb.Helper()
	in := tx.IO.In.Msg.(*tlb.InternalMessage)
	for _, r := range realNotices {
		if r.lt == tx.LT && in.DstAddr.Equals(address.MustParseAddr(r.owner)) && in.SrcAddr.Equals(address.MustParseAddr(r.source)) {
			return r
		}
	}
	tb.Fatalf("tx %d to %s is not in the README", tx.LT, in.DstAddr)
	return realNotice{}
}

func sameAddr(a, b *address.Address) bool {
	return a.Type() == b.Type() && (a.IsAddrNone() || a.Equals(b))
}
