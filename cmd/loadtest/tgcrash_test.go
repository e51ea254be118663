package main

import (
	"testing"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

func TestScoreTgCrash(t *testing.T) {
	const tag = "t1"
	day := 24 * time.Hour
	adjust := func(reason string, replies ...string) *tgSent {
		return &tgSent{kind: tgAdjust, reason: reason, target: 7, replies: replies}
	}
	credit := func(reason string) domain.Entry {
		return domain.Entry{Op: domain.OpID("op-" + reason), Kind: domain.KindAdjustment, Note: reason, Status: domain.EntryCompleted}
	}
	auditAdjust := func(reason string) domain.AuditEntry {
		return domain.AuditEntry{Action: "wallet.adjust", Target: "7", Detail: "5 TON: " + reason}
	}
	rented := func(days int, granted time.Duration) *domain.Number {
		return &domain.Number{Rental: &domain.Rental{Renter: 7, Days: days, Granted: granted}}
	}
	purchase := func(op string, days int) domain.Entry {
		return domain.Entry{Op: domain.OpID(op), Kind: domain.KindPurchase, Ref: "+1", Days: days, Status: domain.EntryCompleted}
	}
	tests := []struct {
		name   string
		sent   []*tgSent
		st     tgState
		wTwice int
		wAcked int // answered as done, missing
		wAudit int // applied, no audit entry
		wOdd   int // unattributed
	}{
		{"adjust once", []*tgSent{adjust("tgc-t1-1", txtDone)},
			tgState{wallets: wallet(credit("tgc-t1-1")), audit: []domain.AuditEntry{auditAdjust("tgc-t1-1")}}, 0, 0, 0, 0},
		{"adjust in the ledger twice", []*tgSent{adjust("tgc-t1-1", txtDone)},
			tgState{wallets: wallet(credit("tgc-t1-1"), credit("tgc-t1-1")), audit: []domain.AuditEntry{auditAdjust("tgc-t1-1")}}, 1, 0, 0, 0},
		{"adjust audited twice", []*tgSent{adjust("tgc-t1-1", txtDone, txtDone)},
			tgState{wallets: wallet(credit("tgc-t1-1")), audit: []domain.AuditEntry{auditAdjust("tgc-t1-1"), auditAdjust("tgc-t1-1")}}, 1, 0, 0, 0},
		{"adjust done, not audited", []*tgSent{adjust("tgc-t1-1", txtDone)},
			tgState{wallets: wallet(credit("tgc-t1-1"))}, 0, 0, 1, 0},
		{"adjust answered done, lost", []*tgSent{adjust("tgc-t1-1", "That was already done.")},
			tgState{wallets: wallet()}, 0, 1, 0, 0},
		{"adjust nobody sent", nil, tgState{wallets: wallet(credit("tgc-t1-9"))}, 0, 0, 0, 1},
		{"another run's adjust", nil, tgState{wallets: wallet(credit("tgc-t0-1"))}, 0, 0, 0, 0},
		{"extend once", []*tgSent{{kind: tgExtend, number: "+1", replies: []string{txtDone}}},
			tgState{numbers: map[string]*domain.Number{"+1": rented(0, day)},
				audit: []domain.AuditEntry{{Action: "rental.extend", Target: "+1"}}}, 0, 0, 0, 0},
		{"extend granted twice", []*tgSent{{kind: tgExtend, number: "+1", replies: []string{txtDone, txtDone}}},
			tgState{numbers: map[string]*domain.Number{"+1": rented(0, 2*day)},
				audit: []domain.AuditEntry{{Action: "rental.extend", Target: "+1"}, {Action: "rental.extend", Target: "+1"}}}, 1, 0, 0, 0},
		{"extend answered done, not granted", []*tgSent{{kind: tgExtend, number: "+1", replies: []string{txtDone}}},
			tgState{numbers: map[string]*domain.Number{"+1": rented(0, 0)}}, 0, 1, 0, 0},
		{"purchase in the ledger twice", []*tgSent{{kind: tgPay, user: 7, op: "p1", number: "+1", replies: []string{txtRented}}},
			tgState{wallets: wallet(purchase("p1", 30), purchase("p1", 30)),
				numbers: map[string]*domain.Number{"+1": rented(60, 0)}}, 1, 0, 0, 0},
		{"rental longer than paid", []*tgSent{{kind: tgPay, user: 7, op: "p1", number: "+1", replies: []string{txtRented}}},
			tgState{wallets: wallet(purchase("p1", 30)), numbers: map[string]*domain.Number{"+1": rented(60, 0)}}, 1, 0, 0, 0},
		{"rented, not in the ledger", []*tgSent{{kind: tgPay, user: 7, op: "p1", number: "+1", replies: []string{txtRented}}},
			tgState{wallets: wallet()}, 0, 1, 0, 0},
		{"number added twice", []*tgSent{{kind: tgAddNumber, number: "+1", replies: []string{txtDone}}},
			tgState{numbers: map[string]*domain.Number{"+1": {}},
				audit: []domain.AuditEntry{{Action: "number.add", Target: "+1"}, {Action: "number.add", Target: "+1"}}}, 1, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scoreTgCrash(tt.sent, tt.st, tag)
			if got.twice != tt.wTwice || got.ackedMissing != tt.wAcked || got.auditMissing != tt.wAudit || got.unattributed != tt.wOdd {
				t.Errorf("twice %d, acked missing %d, audit missing %d, unattributed %d; want %d, %d, %d, %d (notes %q)",
					got.twice, got.ackedMissing, got.auditMissing, got.unattributed, tt.wTwice, tt.wAcked, tt.wAudit, tt.wOdd, got.notes)
			}
		})
	}
}

// wallet is user 7's wallet with entries.
func wallet(entries ...domain.Entry) map[domain.UserID]*domain.Wallet {
	return map[domain.UserID]*domain.Wallet{7: {User: 7, Entries: entries}}
}

// An answer belongs to the last update the person sent before it; a
// callback answer to its query, wherever it falls.
func TestTgPerson_absorb(t *testing.T) {
	p := &tgPerson{cur: -1, kick: make(chan struct{}, 1)}
	msg := func(text string) *telegramtest.Message { return &telegramtest.Message{Text: text} }
	at := time.Unix(100, 0)
	first, second := &tgSent{text: "/start"}, &tgSent{text: "1:cat:0", query: "q2"}
	p.push(telegramtest.Event{Kind: telegramtest.EventSent, Message: msg("stray"), Time: at})
	p.sent = append(p.sent, first)
	p.push(telegramtest.Event{Kind: telegramtest.EventUserMessage, Message: msg("/start"), Time: at})
	p.push(telegramtest.Event{Kind: telegramtest.EventSent, Message: msg("menu"), Time: at.Add(1)})
	p.sent = append(p.sent, second)
	p.push(telegramtest.Event{Kind: telegramtest.EventButtonPressed, QueryID: "q2", Time: at.Add(2)})
	p.push(telegramtest.Event{Kind: telegramtest.EventAnswered, Answer: &telegramtest.CallbackAnswer{QueryID: "q2"}, Time: at.Add(3)})
	p.push(telegramtest.Event{Kind: telegramtest.EventEdited, Message: msg("catalogue"), Time: at.Add(4)})
	p.push(telegramtest.Event{Kind: telegramtest.EventEdited, Message: msg("catalogue again"), Time: at.Add(5)})
	p.absorb()
	if p.stray != 1 || p.odd != 0 {
		t.Errorf("stray %d, odd %d; want 1, 0", p.stray, p.odd)
	}
	if first.screens != 1 || !first.answered.Equal(at.Add(1)) {
		t.Errorf("/start: %d screens, answered %v; want 1 at %v", first.screens, first.answered, at.Add(1))
	}
	if second.screens != 2 || second.toasts != 1 || !second.answered.Equal(at.Add(3)) || !second.replied("again") {
		t.Errorf("press: %d screens %q, %d toasts, answered %v; want 2, 1, %v", second.screens, second.replies,
			second.toasts, second.answered, at.Add(3))
	}
}
