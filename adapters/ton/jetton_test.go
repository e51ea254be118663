package ton_test

import (
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/xssnick/tonutils-go/address"
	"github.com/xssnick/tonutils-go/tvm/cell"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
)

// commentBody is a real transfer_notification body with a text comment in
// a reference: /work/shared/ton/jetton-notify-text-comment.body.hex, from
// the test data of github.com/tonkeeper/tongo (abi/jetton_test.go, MIT
// License, © TON APPS Inc. and authors).
const commentBody = "b5ee9c720101020100470001687362d09c546de4ef0759cac2601fe55ff623c80013d1ae5e0177ce7efcc4d75d6b2140dfcc27b135b340d93453031837bd2f8a5f01001c0000000034373035303031333230"

func bodyOf(tb testing.TB, hexBOC string) *cell.Cell {
	tb.Helper()
	b, err := hex.DecodeString(hexBOC)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := cell.FromBOC(b)
	if err != nil {
		tb.Fatalf("FromBOC: %v", err)
	}
	return c
}

func TestDecodeJettonNotification_RealComment(t *testing.T) {
	n, err := ton.DecodeJettonNotification(bodyOf(t, commentBody))
	if err != nil {
		t.Fatalf("DecodeJettonNotification: %v", err)
	}
	if n.QueryID != 6083770386919049922 || n.Amount != 2191876121148 || n.Forward != ton.ForwardText || n.Comment != "4705001320" {
		t.Errorf("got %+v", n)
	}
	if n.Sender == nil || n.Sender.Type() != address.StdAddress {
		t.Errorf("sender %v", n.Sender)
	}
}

// notice starts a notification body up to its forward payload.
func notice(amount *big.Int) *cell.Builder {
	return cell.BeginCell().MustStoreUInt(ton.OpTransferNotification, 32).MustStoreUInt(7, 64).
		MustStoreBigCoins(amount).MustStoreAddr(alice)
}

func TestDecodeJettonNotification(t *testing.T) {
	one := big.NewInt(1_000_000)
	text := cell.BeginCell().MustStoreUInt(0, 32)
	long := strings.Repeat("paid for K7QM-3XHA ", 20)
	tests := []struct {
		name     string
		body     *cell.Cell
		wErr     error
		wKind    ton.ForwardKind
		wComment string
		wOp      uint32
	}{
		{"empty payload", notice(one).MustStoreBoolBit(false).EndCell(), nil, ton.ForwardEmpty, "", 0},
		{"inline comment", notice(one).MustStoreBoolBit(false).MustStoreUInt(0, 32).MustStoreStringSnake("K7QM").EndCell(), nil, ton.ForwardText, "K7QM", 0},
		{"comment in a reference", notice(one).MustStoreBoolBit(true).MustStoreRef(tontest.CommentBody(long)).EndCell(), nil, ton.ForwardText, long, 0},
		{"empty comment", notice(one).MustStoreBoolBit(true).MustStoreRef(text.EndCell()).EndCell(), nil, ton.ForwardText, "", 0},
		{"contract payload", notice(one).MustStoreBoolBit(false).MustStoreUInt(0xe3a0d482, 32).MustStoreUInt(1, 8).EndCell(), nil, ton.ForwardOp, "", 0xe3a0d482},
		{"nil body", nil, ton.ErrNotNotification, 0, "", 0},
		{"short body", cell.BeginCell().MustStoreUInt(0x7362, 16).EndCell(), ton.ErrNotNotification, 0, "", 0},
		{"other op", cell.BeginCell().MustStoreUInt(0x0f8a7ea5, 32).MustStoreUInt(7, 64).EndCell(), ton.ErrNotNotification, 0, "", 0},
		{"cut after query id", cell.BeginCell().MustStoreUInt(ton.OpTransferNotification, 32).MustStoreUInt(7, 64).EndCell(), ton.ErrMalformed, 0, "", 0},
		{"cut in the amount", cell.BeginCell().MustStoreUInt(ton.OpTransferNotification, 32).MustStoreUInt(7, 64).MustStoreUInt(5, 4).MustStoreUInt(1, 8).EndCell(), ton.ErrMalformed, 0, "", 0},
		{"no either bit", notice(one).EndCell(), ton.ErrMalformed, 0, "", 0},
		{"missing reference", notice(one).MustStoreBoolBit(true).EndCell(), ton.ErrMalformed, 0, "", 0},
		{"zero amount", notice(big.NewInt(0)).MustStoreBoolBit(false).EndCell(), ton.ErrJettonAmount, 0, "", 0},
		{"amount 2^64", notice(new(big.Int).Lsh(big.NewInt(1), 64)).MustStoreBoolBit(false).EndCell(), ton.ErrJettonAmount, 0, "", 0},
		{"payload of 8 bits", notice(one).MustStoreBoolBit(false).MustStoreUInt(0, 8).EndCell(), ton.ErrForwardPayload, 0, "", 0},
		{"text of 12 bits", notice(one).MustStoreBoolBit(false).MustStoreUInt(0, 32).MustStoreUInt(0x414, 12).EndCell(), ton.ErrForwardPayload, 0, "", 0},
		{"text not UTF-8", notice(one).MustStoreBoolBit(false).MustStoreUInt(0, 32).MustStoreSlice([]byte{0xff, 0xfe}, 16).EndCell(), ton.ErrForwardPayload, 0, "", 0},
		{"text forking in two", notice(one).MustStoreBoolBit(true).MustStoreRef(text.Copy().MustStoreRef(tontest.CommentBody("a")).
			MustStoreRef(tontest.CommentBody("b")).EndCell()).EndCell(), ton.ErrForwardPayload, 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ton.DecodeJettonNotification(tt.body)
			if !errors.Is(err, tt.wErr) {
				t.Fatalf("err %v, want %v", err, tt.wErr)
			}
			if tt.wErr == nil && (n.Forward != tt.wKind || n.Comment != tt.wComment || n.ForwardOp != tt.wOp || n.Amount != 1_000_000 || n.QueryID != 7 || !n.Sender.Equals(alice)) {
				t.Errorf("got %+v", n)
			}
			// Only an unreadable payload keeps the header: the jettons came.
			if errors.Is(err, ton.ErrForwardPayload) && n.Amount != 1_000_000 {
				t.Errorf("payload error lost the amount: %+v", n)
			}
		})
	}
}

func TestNotification_Body(t *testing.T) {
	for _, in := range []tontest.Notification{
		{QueryID: 1, Units: 5_000_000, Sender: bob, Comment: "K7QM-3XHA", InRef: true},
		{QueryID: 2, Units: 1, Comment: "K7QM-3XHA"},
		{QueryID: 3, Units: 1 << 63, ForwardOp: 0x6664de2a},
		{Units: 42},
	} {
		n, err := ton.DecodeJettonNotification(in.Body())
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		if n.QueryID != in.QueryID || n.Amount != in.Units || n.Comment != in.Comment || n.ForwardOp != in.ForwardOp {
			t.Errorf("%+v reads %+v", in, n)
		}
		if (in.Sender == nil) != n.Sender.IsAddrNone() || (in.Sender != nil && !n.Sender.Equals(in.Sender)) {
			t.Errorf("sender %v, want %v", n.Sender, in.Sender)
		}
	}
}

// FuzzDecodeJettonNotification feeds arbitrary bags of cells to the
// decoder, seeded with the real bodies: whatever a stranger's jetton sends,
// reading it never panics, and what it accepts is a payment we can use.
func FuzzDecodeJettonNotification(f *testing.F) {
	f.Add(mustHex(f, commentBody))
	for _, body := range realNotificationBodies(f) {
		f.Add(body.ToBOCWithFlags(false, false))
	}
	f.Add(tontest.Notification{Units: 1, Comment: "K7QM-3XHA"}.Body().ToBOCWithFlags(false, true))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, boc []byte) {
		if len(boc) > 1<<14 {
			return
		}
		body, err := ton.DecodeCell(boc)
		if err != nil {
			return
		}
		n, err := ton.DecodeJettonNotification(body)
		if err != nil && !errors.Is(err, ton.ErrForwardPayload) {
			if n != (ton.JettonNotification{}) {
				t.Fatalf("error %v with %+v", err, n)
			}
			return
		}
		if n.Amount == 0 || n.Sender == nil {
			t.Fatalf("accepted %+v (%v)", n, err)
		}
		if n.Forward != ton.ForwardText && n.Comment != "" {
			t.Fatalf("comment %q outside a text payload", n.Comment)
		}
	})
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
