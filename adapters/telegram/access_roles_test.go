package telegram

import (
	"fmt"
	"strconv"
	"testing"

	"allot/domain"
)

// TestCallbackAccess_EveryActionEveryRoleEveryOwnership presses the cases
// of every action (access_cases_test.go) as every kind of person, each in
// a world of their own, and holds every press to callbackRules (judge).
func TestCallbackAccess_EveryActionEveryRoleEveryOwnership(t *testing.T) {
	for who := byStranger; who <= byAdmin; who++ {
		t.Run(who.String(), func(t *testing.T) {
			t.Parallel()
			x := newRig(t, who)
			for _, action := range callbackActions() {
				x.pressEveryOwnership(t, action)
				x.check(t)
			}
		})
	}
	t.Run("removed while adding a proxy", testRemovedMidFlow)
}

// pressEveryOwnership presses action's cases of every ownership, and holds
// the rule's changes to what the presses did when the role let them through.
func (x *rig) pressEveryOwnership(t *testing.T, action string) {
	build, ok := accessCases[action]
	if !ok {
		t.Errorf("%s: no cases for the action", action)
		return
	}
	rule, changed := actions[action].access, false
	for o := ownMine; o <= ownMadeUp; o++ {
		t.Run(action+"/"+ownedNames[o], func(t *testing.T) {
			if x.who == byStranger {
				x.newStranger()
			}
			cases := build(x, t, o)
			if o == ownMadeUp {
				cases = append(cases, malformed(action)...)
			}
			for _, c := range cases {
				changed = x.pressAndJudge(t, rule, c) || changed
			}
		})
	}
	// A stranger's first press records them, which hides a change of their own data.
	if x.who.level() >= rule.who && x.who != byStranger && changed != rule.changes {
		t.Errorf("%s: access.go says it changes state: %t; pressed by %s, it did: %t", action, rule.changes, x.who, changed)
	}
}

// testRemovedMidFlow removes a member of staff in the middle of adding a
// proxy: the last step, pressed or typed, is refused and adds nothing.
func testRemovedMidFlow(t *testing.T) {
	t.Parallel()
	x := newRig(t, byStaff)
	remove := func() {
		x.press(t, admin, x.confirmation(t, admin, "/whitelist_remove "+strconv.FormatInt(x.me.ID, 10)))
		x.who = byRemovedStaff
	}
	x.draftAdd(t)
	remove()
	x.pressAndJudge(t, actions["pxd"].access, unchanged(cbData("pxd", "10")))

	x.makeStaff(t, x.me, domain.ApprovalApproved) // asks again and is approved
	x.who = byStaff
	x.walk(t, cbData("pxa"), cbData("pxt", "h"))
	remove()
	before := x.footprint(t)
	last := lastID(x.srv, x.me)
	x.send(t, x.me, "10.201.0.1:8080")
	if changed := changesBetween(before, x.footprint(t)); len(changed) > 0 {
		t.Errorf("a removed member of staff typing a proxy's address changed %q", changed)
	}
	if m := x.srv.Messages(x.me.ID); len(m) == 0 || m[len(m)-1].ID <= last || !x.shows([]string{m[len(m)-1].Text}, "proxy_staff_only") {
		t.Errorf("a removed member of staff typing a proxy's address was not refused")
	}
	x.check(t)
}

// pressAndJudge presses c as the presser, holds the outcome to rule and
// reports whether durable state changed.
func (x *rig) pressAndJudge(t testing.TB, rule access, c pressCase) bool {
	t.Helper()
	before := x.footprint(t)
	p := x.press(t, x.me, c.data)
	changed := changesBetween(before, x.footprint(t), x.me.ID)
	if msg := x.judge(rule, c, p, changed); msg != "" {
		t.Error(msg)
	}
	return len(changed) > 0
}

// judge holds what a press did to the rule: data that does not decode, an
// out-of-date nonce and a role below the rule's are refused with their
// answer and change nothing; otherwise the case says what happens. It
// returns what went wrong, or "".
func (x *rig) judge(rule access, c pressCase, p pressed, changed []string) string {
	what := fmt.Sprintf("%s pressing %q: %s; changed %q", x.who, c.data, p, changed)
	if x.shows(append(p.texts, p.answer), "error") {
		return what + "\nshows the generic error"
	}
	refusal := ""
	cbk, err := DecodeCallback(c.data)
	switch {
	case err != nil:
		refusal = "stale_button"
	case rule.nonce >= 0 && !nonceFresh(cbk.Args[rule.nonce], x.bot.now()):
		refusal = "stale_nonce"
	case rule.who == roleAdmin && x.who.level() < roleAdmin:
		refusal = "admin_only"
	case rule.who == roleStaff && x.who.level() < roleStaff:
		refusal = "dist_staff_only_short"
	}
	switch {
	case refusal != "" && !x.is(p.answer, refusal):
		return what + "\nwant the answer " + strconv.Quote(x.cat.T("en", refusal))
	case refusal != "" && len(changed) > 0:
		return what + "\nrefused, yet durable state changed"
	case refusal != "":
	case x.is(p.answer, "admin_only") || x.is(p.answer, "dist_staff_only_short") || x.is(p.answer, "stale_nonce"):
		return what + "\nrefused, want it let through"
	case c.change && len(changed) == 0:
		return what + "\nchanged nothing, want a change"
	case !c.change && len(changed) > 0:
		return what + "\nchanged durable state, want none"
	case len(c.says) > 0 && !x.shows(append(p.texts, p.answer), c.says...):
		return fmt.Sprintf("%s\nwant it to say %q", what, c.says)
	case len(c.hides) > 0 && x.shows(p.texts, c.hides...):
		return fmt.Sprintf("%s\nwant it to show none of %q", what, c.hides)
	}
	return ""
}
