package telegram

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// replayRig is a rig that remembers what a replay case works on.
type replayRig struct {
	*rig
	number, proxyID, ref string
	person               telegramtest.User
}

// replayCase is a button that changes something, pressed once and then
// again, with the same data, after further operations on what it changed:
// the replay changes nothing, shows says if any and not hides.
type replayCase struct {
	name  string
	first func(r *replayRig, t testing.TB) (data string, by telegramtest.User) // makes the fixtures
	then  func(r *replayRig, t testing.TB)                                     // after the first press, once
	op    func(r *replayRig, t testing.TB)                                     // one further operation
	says  string                                                               // a text the replay must show
	hides string                                                               // a text the replay must not show
}

func TestCallbackReplays(t *testing.T) {
	for _, rc := range replayCases() {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			r := &replayRig{rig: newRig(t, byAdmin)}
			for _, k := range []int{0, 1, 8, 50} {
				r.replay(t, rc, k)
				r.check(t)
			}
		})
	}
	t.Run("out of date", testOutOfDate)
}

// replay presses rc's data, runs k further operations and presses the data
// again, and holds the replay to rc.
func (r *replayRig) replay(t testing.TB, rc replayCase, k int) {
	t.Helper()
	data, by := rc.first(r, t)
	before := r.footprint(t)
	p := r.press(t, by, data)
	if len(changesBetween(before, r.footprint(t))) == 0 {
		t.Fatalf("the first press of %q changed nothing: %s", data, p)
	}
	if rc.then != nil {
		rc.then(r, t)
	}
	for i := 0; i < k; i++ {
		rc.op(r, t)
	}
	before = r.footprint(t)
	p = r.press(t, by, data)
	shown := append(p.texts, p.answer)
	what := fmt.Sprintf("replayed after %d operations, %q", k, data)
	if r.shows(shown, "error") {
		t.Errorf("%s: %s", what, p)
	}
	if c := changesBetween(before, r.footprint(t)); len(c) > 0 {
		t.Errorf("%s changed %q: %s", what, c, p)
	}
	if rc.says != "" && !r.shows(shown, rc.says) {
		t.Errorf("%s: %s; want it to say %q", what, p, r.cat.T("en", rc.says))
	}
	if rc.hides != "" && r.shows(p.texts, rc.hides) {
		t.Errorf("%s shows %q: %s", what, rc.hides, p)
	}
}

// openInvoices are the codes of u's open invoices.
func (r *replayRig) openInvoices(t testing.TB, u telegramtest.User) []string {
	t.Helper()
	var out []string
	for _, c := range r.footprint(t) {
		if p, ok := c.state.(*domain.Payments); ok {
			for code, inv := range p.Invoices {
				if inv.User == idOf(u) && inv.Status == domain.InvoiceOpen {
					out = append(out, code)
				}
			}
		}
	}
	return out
}

// pendingOf are the VK items issued to u and awaiting feedback.
func (r *replayRig) pendingOf(t testing.TB, u telegramtest.User) []string {
	t.Helper()
	p := orFail(r.eng.Pool(context.Background(), "vk/495/male"))(t)
	var out []string
	for id, it := range p.Pending {
		if it.User == idOf(u) {
			out = append(out, id)
		}
	}
	return out
}

func replayCases() []replayCase {
	ctx := context.Background()
	offerAndCancel := func(r *replayRig, t testing.TB) {
		orFail(r.eng.OfferTransfer(ctx, r.op(), idOf(r.me), r.number, strconv.FormatInt(otherA.ID, 10)))(t)
		orFail(r.eng.CancelTransfer(ctx, idOf(r.me), r.number))(t)
	}
	topUpAndCancel := func(r *replayRig, t testing.TB) {
		orFail(r.eng.CancelInvoice(ctx, idOf(r.me), r.invoice(t, r.me)))(t)
	}
	cancelMine := func(r *replayRig, t testing.TB) {
		for _, code := range r.openInvoices(t, r.me) {
			orFail(r.eng.CancelInvoice(ctx, idOf(r.me), code))(t)
		}
	}
	issueToOther := func(r *replayRig, t testing.TB) { r.item(t, otherA) }
	pay := func(action, method string) func(r *replayRig, t testing.TB) (string, telegramtest.User) {
		return func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			r.fund(t, r.me, 20)
			if r.number = r.rig.number(t); action == "rnp" {
				r.number = r.rented(t, r.me)
			}
			return cbData(action, r.number, "30", method, r.nonce()), r.me
		}
	}
	heldByOther := func(r *replayRig, t testing.TB) { // someone else holds the number with an invoice, then lets it go
		inv := orFail(r.eng.OpenRentInvoice(ctx, r.op(), idOf(otherA), r.number, 30))(t)
		orFail(r.eng.CancelInvoice(ctx, idOf(otherA), inv.Code))(t)
	}
	decide := func(action string) func(r *replayRig, t testing.TB) (string, telegramtest.User) {
		return func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			r.person = r.requester(t, 0)
			return r.decision(t, action, r.person), admin
		}
	}
	askAgain := func(r *replayRig, t testing.TB) { // removed if approved, then a new request
		u := orFail(r.eng.FindUser(ctx, strconv.FormatInt(r.person.ID, 10)))(t)
		if u.Approval == domain.ApprovalApproved {
			r.decide(t, r.person, domain.ApprovalRemoved)
		}
		r.makeStaff(t, r.person, domain.ApprovalPending)
	}
	press := func(action string, fixture func(r *replayRig, t testing.TB) string) func(r *replayRig, t testing.TB) (string, telegramtest.User) {
		return func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			return cbData(action, fixture(r, t)), r.me
		}
	}
	return []replayCase{
		{name: "pay from the balance", first: pay("pay", "b"), op: offerAndCancel, says: "purchase_repeat"},
		{name: "renew from the balance", first: pay("rnp", "b"), op: offerAndCancel, says: "purchase_repeat"},
		// An invoice's button pressed again after the invoice closed: the
		// number remembers the operation for OpRetention, past 8 more on it,
		// and the closed invoice is never shown as payable.
		{name: "pay in TON", first: pay("pay", "t"), then: cancelMine, op: heldByOther,
			says: "err_duplicate", hides: "invoice"},
		{name: "renew in TON", first: pay("rnp", "t"), then: cancelMine, op: offerAndCancel,
			says: "err_duplicate", hides: "invoice"},
		{name: "top up", first: func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			return cbData("top", "1", r.nonce()), r.me
		}, then: cancelMine, op: topUpAndCancel, says: "err_duplicate", hides: "invoice"},
		{name: "issue", first: func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			return cbData("dv", "vk", "495", "2", "male", r.nonce()), r.me
		}, op: issueToOther},
		{name: "issue, then mark", first: func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			return cbData("dv", "vk", "495", "1", "male", r.nonce()), r.me
		}, then: func(r *replayRig, t testing.TB) {
			for _, id := range r.pendingOf(t, r.me) {
				orFail(r.eng.StockFeedback(ctx, idOf(r.me), id, "good"))(t)
			}
		}, op: issueToOther},
		{name: "issue without a variant", first: func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			r.load(t, "ok/495", 2)
			return cbData("dv", "ok", "495", "1", "-", r.nonce()), r.me
		}, op: func(r *replayRig, t testing.TB) {
			r.load(t, "ok/495", 1)
			orFail(r.eng.IssueStock(ctx, r.op(), idOf(otherA), "ok", "495", "", 1))(t)
		}},
		{name: "feedback", first: press("fb", func(r *replayRig, t testing.TB) string { return r.item(t, r.me) + ":good" }),
			op: func(r *replayRig, t testing.TB) {
				orFail(r.eng.StockFeedback(ctx, idOf(otherA), r.item(t, otherA), "good"))(t)
			}},
		{name: "replace", first: press("rp", func(r *replayRig, t testing.TB) string { return r.blocked(t, r.me) }),
			op: func(r *replayRig, t testing.TB) {
				orFail(r.eng.Replace(ctx, idOf(otherA), r.blocked(t, otherA)))(t)
			}},
		{name: "cancel an offer", first: press("tcx", func(r *replayRig, t testing.TB) string {
			r.number = r.offered(t, r.me, otherA)
			return r.number
		}), op: offerAndCancel},
		{name: "accept an offer", first: press("acc", func(r *replayRig, t testing.TB) string {
			r.number = r.offered(t, otherA, r.me)
			return r.number
		}), op: offerAndCancel},
		{name: "decline an offer", first: press("dec", func(r *replayRig, t testing.TB) string {
			r.number = r.offered(t, otherA, r.me)
			return r.number
		}), op: func(r *replayRig, t testing.TB) {
			orFail(r.eng.OfferTransfer(ctx, r.op(), idOf(otherA), r.number, strconv.FormatInt(otherB.ID, 10)))(t)
			orFail(r.eng.CancelTransfer(ctx, idOf(otherA), r.number))(t)
		}},
		{name: "cancel an invoice", first: press("icx", func(r *replayRig, t testing.TB) string { return r.invoice(t, r.me) }),
			op: topUpAndCancel},
		{name: "approve", first: decide("sapv"), op: func(r *replayRig, t testing.TB) {
			askAgain(r, t)
			r.decide(t, r.person, domain.ApprovalApproved)
		}, says: "staff_decided_already"},
		{name: "reject", first: decide("srej"), op: func(r *replayRig, t testing.TB) {
			askAgain(r, t)
			r.decide(t, r.person, domain.ApprovalRejected)
		}, says: "staff_decided_already"},
		// The button names the request it was drawn for, so it never decides
		// a later one, pending now, that the admin has not seen.
		{name: "approve, then the person asks again", first: decide("sapv"), then: askAgain,
			op: func(r *replayRig, t testing.TB) {
				r.decide(t, r.person, domain.ApprovalRejected)
				askAgain(r, t)
			}, says: "staff_decided_already"},
		{name: "reject, then the person asks again", first: decide("srej"), then: askAgain,
			op: func(r *replayRig, t testing.TB) {
				r.decide(t, r.person, domain.ApprovalRejected)
				askAgain(r, t)
			}, says: "staff_decided_already"},
		{name: "confirm", first: func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			return r.confirmation(t, admin, "/numbers_today_mod"), admin
		}, op: func(r *replayRig, t testing.TB) { r.press(t, admin, r.confirmation(t, admin, "/numbers_today_mod")) }},
		{name: "confirm, then the command is run again", first: func(r *replayRig, t testing.TB) (string, telegramtest.User) {
			return r.confirmation(t, admin, "/numbers_today_mod"), admin
		}, then: func(r *replayRig, t testing.TB) { r.confirmation(t, admin, "/numbers_today_mod") }, op: func(*replayRig, testing.TB) {}},
		{name: "hold a proxy, then take it", first: press("pxs", func(r *replayRig, t testing.TB) string {
			r.ref, r.proxyID = r.proxy(t)
			return r.ref
		}), then: func(r *replayRig, t testing.TB) {
			orFail(r.eng.ConfirmProxy(ctx, idOf(r.me), r.proxyID))(t)
		}, op: func(r *replayRig, t testing.TB) { r.held(t, otherA) }},
		{name: "take a proxy", first: press("pxok", func(r *replayRig, t testing.TB) string { return r.held(t, r.me) }),
			op: func(r *replayRig, t testing.TB) { r.held(t, otherA) }},
		{name: "let a proxy go", first: press("pxno", func(r *replayRig, t testing.TB) string {
			r.ref, r.proxyID = r.proxy(t)
			orFail(r.eng.ReserveProxy(ctx, idOf(r.me), r.proxyID))(t)
			return r.ref
		}), op: func(r *replayRig, t testing.TB) {
			orFail(r.eng.ReserveProxy(ctx, idOf(otherA), r.proxyID))(t)
			orFail(r.eng.CancelProxy(ctx, idOf(otherA), r.proxyID))(t)
		}},
	}
}

// testOutOfDate presses every button that carries a nonce with one drawn
// more than ButtonTTL ago, one from the future, and one of the old format:
// each answers that the button is out of date and changes nothing.
func testOutOfDate(t *testing.T) {
	t.Parallel()
	x := newRig(t, byAdmin)
	for _, action := range callbackActions() {
		rule := actions[action]
		if rule.nonce < 0 {
			continue
		}
		for _, age := range []struct {
			name  string
			ahead time.Duration // the bot's clock when the button is pressed, after drawing it at real time
			nonce string        // instead of the drawn one
		}{{"25 h old", ButtonTTL + time.Hour, ""}, {"from the future", -time.Hour, ""}, {"old format", 0, "ABCDEFGH"}} {
			t.Run(action+"/"+age.name, func(t *testing.T) {
				c := accessCases[action](x, t, ownMine)[0]
				cbk := orFail(DecodeCallback(c.data))(t)
				if age.nonce != "" {
					cbk.Args[rule.nonce] = age.nonce
				}
				c.data = orFail(EncodeCallback(action, cbk.Args...))(t)
				x.ahead.Store(int64(age.ahead))
				defer x.ahead.Store(0)
				before := x.footprint(t)
				p := x.press(t, x.me, c.data)
				if changed := changesBetween(before, x.footprint(t)); len(changed) > 0 || !x.is(p.answer, "stale_nonce") ||
					!x.shows(p.texts, "stale_nonce") {
					t.Errorf("%q: %s; changed %q; want %q and no change", c.data, p, changed, x.cat.T("en", "stale_nonce"))
				}
			})
		}
	}
	x.check(t)
}
