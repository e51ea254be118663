package telegram

import (
	"strings"
	"testing"
	"time"

	"allot/actors"
	"allot/adapters/fragment"
	"allot/adapters/mtproto"
	"allot/adapters/mtproto/mtprototest"
)

// withAccountChecks gives the world's engine the real account checker,
// signing in to the fake Telegram mt with codes read from the fake
// fragment.com, on the engine's clock.
func withAccountChecks(t *testing.T, mt *mtprototest.Server) func(*actors.Options, *fragment.Client, *testClock) {
	return func(o *actors.Options, client *fragment.Client, clock *testClock) {
		c, err := mtproto.New(mtproto.Options{AppID: 94575, AppHash: "0123456789abcdef0123456789abcdef", Codes: client,
			CodeWait: 10 * time.Second, CodePoll: 50 * time.Millisecond, Server: mt.Addr(), ServerKeys: mt.Keys(), Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		o.Accounts = c
	}
}

// TestAccountJourney_CloudPassword: Alice leaves a cloud password on the
// number's account; when the admin cancels her rental the bot signs in,
// finds it, asks for the deletion, and keeps the number blocked — the
// admins told, with the date — until Telegram lets the deletion finish;
// then the bot finishes it and the number is offered again.
func TestAccountJourney_CloudPassword(t *testing.T) {
	const num = "+88800000078"
	mt, err := mtprototest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mt.Close)
	w := newFragmentWorld(t, 50*time.Millisecond, withAccountChecks(t, mt))
	mt.SetNow(w.clock.Now())
	mt.OnCode(func(number, code string) { w.fake.ArriveCode(number, code, time.Now().Add(time.Second)) })
	w.fake.AddNumber(num)
	w.admin("add_number", num)
	w.rentAdded(alice, num)
	mt.AddAccount(num, mtprototest.Account{Password: true, DeleteWait: 7 * 24 * time.Hour})

	w.admin("cancel_rental", num+" 0")
	alert := w.see(admin, "cloud password", num)
	until := w.clock.Now().Add(7 * 24 * time.Hour)
	if !strings.Contains(alert.Text, day(until)) {
		t.Errorf("the alert does not give the date %s: %q", when(until), alert.Text)
	}
	waitUntil(t, func() bool { n := w.num(num); return n.Blocked && n.Account != nil && !n.Account.DeleteAt.IsZero() })
	if mt.Sessions(num) != 0 {
		t.Errorf("the bot left %d sessions on the account", mt.Sessions(num))
	}
	w.codesConfirmed(num, false) // nobody can enter it while it waits
	before := lastID(w.srv, admin)
	w.srv.Command(admin, "unchecked", "")
	w.seeOn(admin, -before, num, "blocked until its deletion")

	// The week passes: the scheduler wakes the number, the bot signs in
	// again and finishes the deletion, and the number is free.
	w.clock.Set(until.Add(time.Minute))
	mt.SetNow(until.Add(time.Minute))
	w.eng.Advance()
	waitUntil(t, func() bool { n := w.num(num); return n.Account == nil && !n.Blocked })
	if !mt.Deleted(num) {
		t.Error("the account was not deleted")
	}
	w.codesConfirmed(num, false)
	before = lastID(w.srv, admin)
	w.srv.Command(admin, "unchecked", "")
	w.seeOn(admin, -before, "has been checked")
	w.rentAdded(carol, num)
}

// TestAccountJourney_AdminsCheckWithoutMTProto: without API_ID/API_HASH
// the returned number is offered once its sessions are ended, and the
// admins see it still needs a look until one records it.
func TestAccountJourney_AdminsCheckWithoutMTProto(t *testing.T) {
	const num = "+88800000079"
	w := newFragmentWorld(t, 50*time.Millisecond)
	w.fake.AddNumber(num)
	w.admin("add_number", num)
	w.rentAdded(alice, num)
	w.admin("cancel_rental", num+" 0")
	waitUntil(t, func() bool { n := w.num(num); return n.Handover == nil && n.Account != nil && n.Account.Manual })
	before := lastID(w.srv, admin)
	w.srv.Command(admin, "unchecked", "")
	w.seeOn(admin, -before, num, "check by hand", "/checked "+num)
	w.admin("checked", num)
	before = lastID(w.srv, admin)
	w.srv.Command(admin, "checked", num)
	w.seeOn(admin, -before, "No account check is owed")
	before = lastID(w.srv, admin)
	w.srv.Command(admin, "unchecked", "")
	w.seeOn(admin, -before, "has been checked")
}
