package telegram

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// The staff's buttons pressed as the bot draws them: an admin's decision
// on a request, and the count screen of a kind without variants.

// TestCallbackStaffRequest_OldButton: an approve button drawn for a
// person's first request, pressed after the person was rejected and asked
// again, is refused, and the second request stays pending until a button
// drawn for it decides it.
func TestCallbackStaffRequest_OldButton(t *testing.T) {
	t.Parallel()
	x := newRig(t, byAdmin)
	u := telegramtest.User{ID: 4001, FirstName: "Quinn", LanguageCode: "en"}
	x.send(t, u, "/start")
	first := x.askForStaff(t, u, "Quinn at work")
	approveFirst := x.requestButton(t, first, "sapv")
	if want := cbData("sapv", "4001", "1"); approveFirst != want {
		t.Fatalf("the first request's approve button is %q, want %q", approveFirst, want)
	}
	x.pressOn(t, admin, first.ID, x.requestButton(t, first, "srej"))
	x.wantApproval(t, u, domain.ApprovalRejected, 1)
	second := x.askForStaff(t, u, "Quinn again")
	if got, want := x.requestButton(t, second, "sapv"), cbData("sapv", "4001", "2"); got != want {
		t.Fatalf("the second request's approve button is %q, want %q", got, want)
	}

	before := x.footprint(t)
	p := x.press(t, admin, approveFirst) // the first message lost its buttons: as another client still shows them
	if changed := changesBetween(before, x.footprint(t)); len(changed) > 0 || !x.shows(p.texts, "staff_decided_already") {
		t.Errorf("the first request's approve button, pressed on the second: %s; changed %q; want %q and no change",
			p, changed, x.cat.T("en", "staff_decided_already"))
	}
	x.wantApproval(t, u, domain.ApprovalPending, 2)
	if p := x.press(t, u, cbData("dm")); !x.is(p.answer, "dist_staff_only_short") {
		t.Errorf("pending again, %s opened distribution: %s", u.FirstName, p)
	}

	p = x.pressOn(t, admin, second.ID, x.requestButton(t, second, "sapv"))
	if !x.shows(p.texts, "staff_approved_admin") {
		t.Errorf("the second request's approve button: %s", p)
	}
	x.wantApproval(t, u, domain.ApprovalApproved, 2)
	x.check(t)
}

// TestCallbackStaffRequest_TelegramSizedID: ids of Telegram's size (above
// 2^32) are approved from the admin's button, and the person is staff.
func TestCallbackStaffRequest_TelegramSizedID(t *testing.T) {
	t.Parallel()
	x := newRig(t, byAdmin)
	u := telegramtest.User{ID: 5000000567, FirstName: "Rae", LanguageCode: "en"}
	x.send(t, u, "/start")
	m := x.askForStaff(t, u, "Rae at work")
	if !strings.Contains(m.Text, "5000000567") {
		t.Errorf("the admin is asked %q, which does not name the id", m.Text)
	}
	approve := x.requestButton(t, m, "sapv")
	if want := cbData("sapv", "5000000567", "1"); approve != want {
		t.Fatalf("the approve button is %q, want %q", approve, want)
	}
	before := x.footprint(t)
	p := x.pressOn(t, admin, m.ID, approve)
	if changed := changesBetween(before, x.footprint(t)); len(changed) == 0 || !x.shows(p.texts, "staff_approved_admin") {
		t.Errorf("approving 5000000567: %s; changed %q", p, changed)
	}
	x.wantApproval(t, u, domain.ApprovalApproved, 1)
	if p := x.press(t, u, cbData("dm")); !x.shows(p.texts, "dist_menu") {
		t.Errorf("approved, 5000000567 opening distribution: %s", p)
	}
	x.check(t)
}

// wantApproval holds u's staff request to approval and its number.
func (x *rig) wantApproval(t testing.TB, u telegramtest.User, approval domain.Approval, request int) {
	t.Helper()
	got := orFail(x.eng.FindUser(context.Background(), strconv.FormatInt(u.ID, 10)))(t)
	if got.Approval != approval || got.Requests != request {
		t.Errorf("%d is %s after request %d, want %s after request %d", u.ID, got.Approval, got.Requests, approval, request)
	}
}

// countButton is a count button of a kind without variants: it issues.
var countButton = regexp.MustCompile(`^1:dv:ok:495:([0-9]+):-:([^:]+)$`)

// TestCallbackIssue_KindWithoutVariants: the count screen of a kind
// without variants issues from its dv buttons, each under the screen's
// nonce, once however often it is pressed; a dq of an older screen only
// draws the count screen again.
func TestCallbackIssue_KindWithoutVariants(t *testing.T) {
	t.Parallel()
	x := newRig(t, byStaff)
	x.load(t, "ok/495", 5)
	p := x.press(t, x.me, cbData("dr", "ok", "495"))
	two := ""
	for _, d := range p.buttons {
		switch m := countButton.FindStringSubmatch(d); {
		case m != nil && m[1] == "2":
			two = d
		case strings.HasPrefix(d, cbData("dq")+":"):
			t.Errorf("a count screen of a kind without variants has the button %q", d)
		}
	}
	if two == "" {
		t.Fatalf("no button issuing 2 on the count screen: %s; buttons %q", p, p.buttons)
	}

	before := x.footprint(t)
	p = x.press(t, x.me, two)
	if len(changesBetween(before, x.footprint(t))) == 0 || !x.shows(p.texts, "dist_issued") {
		t.Fatalf("pressing %q: %s", two, p)
	}
	if n := x.issuedTo(t, x.me, "ok/495"); n != 2 {
		t.Errorf("%q issued %d, want 2", two, n)
	}
	for _, data := range []string{two, cbData("dq", "ok", "495", "2")} {
		before := x.footprint(t)
		p := x.press(t, x.me, data)
		if changed := changesBetween(before, x.footprint(t)); len(changed) > 0 {
			t.Errorf("pressing %q again: %s; changed %q", data, p, changed)
		}
		if data != two && !x.shows(p.texts, "dist_choose_count") {
			t.Errorf("pressing %q: %s; want the count screen", data, p)
		}
	}
	if n := x.issuedTo(t, x.me, "ok/495"); n != 2 {
		t.Errorf("pressed again, the count buttons issued %d in all, want 2", n)
	}
	x.check(t)
}

// issuedTo counts the items of pool key issued to u and awaiting feedback.
func (x *rig) issuedTo(t testing.TB, u telegramtest.User, key string) int {
	t.Helper()
	n := 0
	for _, it := range orFail(x.eng.Pool(context.Background(), key))(t).Pending {
		if it.User == idOf(u) {
			n++
		}
	}
	return n
}

// TestCallbackStaffRequest_AskingAgainReminds: a pending person who asks
// again gets the admins a fresh message whose buttons decide the request
// (the way out for a request whose buttons were lost or predate numbering).
func TestCallbackStaffRequest_AskingAgainReminds(t *testing.T) {
	t.Parallel()
	x := newRig(t, byAdmin)
	u := telegramtest.User{ID: 4002, FirstName: "Sam", LanguageCode: "en"}
	x.send(t, u, "/start")
	first := x.askForStaff(t, u, "Sam at work")
	p := x.press(t, u, cbData("st"))
	if !x.shows(p.texts, "staff_pending_reminded") {
		t.Errorf("asking again while pending: %s", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	again, err := x.srv.WaitFor(ctx, admin.ID, func(m telegramtest.Message) bool {
		return m.ID > first.ID && slices.Contains(buttonData(m), cbData("sapv", "4002", "1"))
	})
	if err != nil {
		t.Fatalf("the admins were not reminded: %v", err)
	}
	if p := x.pressOn(t, admin, again.ID, x.requestButton(t, again, "sapv")); !x.shows(p.texts, "staff_approved_admin") {
		t.Errorf("approving from the reminder: %s", p)
	}
	x.wantApproval(t, u, domain.ApprovalApproved, 1)
	x.check(t)
}
