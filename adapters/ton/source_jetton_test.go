package ton_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// TestSource_USDT: with our jetton wallet configured, a genuine
// notification is one payment in USDT units with its comment, and not also
// the nanoton it carried; forged, bounced and malformed ones are no
// payment, counted once each however often they are read, and the
// malformed one is logged at Warn without its comment.
func TestSource_USDT(t *testing.T) {
	var log bytes.Buffer
	c, s, cur := started(t, ton.WithUSDT(ton.JettonAccount{Wallet: ourJettons}),
		ton.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	n := tontest.Notification{QueryID: 1, Units: 25_000_000, Sender: alice, Comment: "K7QM-3XHA", InRef: true}
	genuine := c.Notify(ourJettons, n, t0)
	c.Notify(bob, n, t0) // forged: any contract can send one
	c.Receive(tontest.Transfer{From: ourJettons, Amount: 1, Body: n.Body(), Bounced: true}, t0)
	c.Notify(ourJettons, tontest.Notification{Units: 0, Comment: "secret words"}, t0) // malformed: no amount
	paid := c.Pay(alice, domain.TON(1), "ton as ever", t0)
	for range 2 {
		pays, _ := since(t, s, cur)
		wantLTs(t, pays, genuine, paid)
		if p := pays[0]; p.Currency != domain.CurrencyUSDT || p.Amount != 25_000_000 || p.Comment != "K7QM-3XHA" ||
			p.From == "" || p.Failed || p.Bounced || !p.At.Equal(t0) {
			t.Fatalf("genuine notification read as %+v", p)
		}
		if pays[1].Currency != domain.CurrencyTON || pays[1].Amount != domain.TON(1) {
			t.Fatalf("TON payment read as %+v", pays[1])
		}
	}
	if got := s.Rejected(); got["forged"] != 1 || got["ignored"] != 1 || got["malformed"] != 1 || len(got) != 3 {
		t.Fatalf("rejected %v", got)
	}
	out := log.String()
	if strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "verdict=malformed") || strings.Contains(out, "secret") {
		t.Fatalf("log:\n%s", out)
	}
}

// TestSource_WithoutUSDTReadsNotificationsAsTON: without a jetton account
// the source is what it was, a notification is the TON it carried.
func TestSource_WithoutUSDTReadsNotificationsAsTON(t *testing.T) {
	c, s, cur := started(t)
	tx := c.Notify(ourJettons, tontest.Notification{Units: 25_000_000, Comment: "K7QM-3XHA"}, t0.Add(time.Minute))
	pays, _ := since(t, s, cur)
	wantLTs(t, pays, tx)
	if pays[0].Currency != domain.CurrencyTON || pays[0].Amount != 1 || s.Rejected() != nil {
		t.Fatalf("read as %+v, rejected %v", pays[0], s.Rejected())
	}
}
