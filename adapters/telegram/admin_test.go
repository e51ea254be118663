package telegram

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// adminUpdate is a text message of the admin's as Telegram delivers it.
func adminUpdate(id int, text string) telego.Update {
	from := telego.User{ID: admin.ID, FirstName: admin.FirstName, Username: admin.Username, LanguageCode: admin.LanguageCode}
	return telego.Update{UpdateID: id, Message: &telego.Message{MessageID: id, From: &from,
		Chat: telego.Chat{ID: admin.ID, Type: "private"}, Date: time.Now().Unix(), Text: text}}
}

// TestAdmin_RedeliveredUpdateAppliesOnce: Telegram delivers an update again
// after a crash before the offset moved on; an admin's /adjust in it must
// credit once, because its operation id comes from the update.
func TestAdmin_RedeliveredUpdateAppliesOnce(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	w := newWorld(t, srv, t.TempDir(), &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)})
	srv.Command(alice, "start", "")
	w.see(alice, "Hello, Alice")
	srv.Command(admin, "start", "")
	w.see(admin, "Hello")
	// The second time as if the record that they were handled was lost
	// too (actors.Engine.UpdateHandled): the /adjust finds its operation
	// done and says so as the first time; the number is there already.
	for round, says := range [][]string{{"Done.", "Done."}, {"Done.", "already done"}} {
		for i, text := range []string{"/adjust @alice 5 goodwill", "/add_number +888 0000 0777"} {
			before := lastID(srv, admin)
			w.bot.Handle(adminUpdate(900001+i, text))
			if m := w.seeOn(admin, -before); !strings.Contains(m.Text, says[i]) {
				t.Errorf("round %d, %s: answered %q, want %q", round, text, m.Text, says[i])
			}
		}
	}
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	log, err := w.eng.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]int{}
	for _, a := range log.Entries {
		audited[a.Action]++
	}
	if audited["wallet.adjust"] != 1 || audited["number.add"] != 1 {
		t.Errorf("audit entries %v: want one wallet.adjust and one number.add", audited)
	}
	wl, err := w.eng.Wallet(context.Background(), domain.UserID(alice.ID))
	if err != nil {
		t.Fatal(err)
	}
	if wl.Balance != domain.TON(5) {
		t.Errorf("balance %s after the same update twice, want 5 TON", wl.Balance)
	}
	if err := w.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eng.Check(); err != nil {
		t.Errorf("invariants: %v", err)
	}
}

// roomyLimits let a test type faster than any person.
var roomyLimits = LimitOptions{MessagesPerMin: 6000, MessageBurst: 1000, OperationsPerMin: 6000, OperationBurst: 1000,
	PaymentsPerMin: 6000, PaymentBurst: 1000}

// TestAdmin_NumbersAreBoundedAndExplained: what an admin types wrong is
// told with the bound it broke, not "something went wrong", and nothing
// changes.
func TestAdmin_NumbersAreBoundedAndExplained(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	w := newWorld(t, srv, t.TempDir(), &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}, roomyLimits)
	srv.Command(alice, "start", "")
	w.see(alice, "Hello, Alice")
	w.admin("add_number", "+88800000001")
	w.admin("adjust", "@alice 10 start")
	for _, tc := range []struct{ cmd, args, want string }{
		{"extend", "+88800000001 213504", "between -3660 and 3660"},
		{"extend", "+88800000001 many", "between -3660 and 3660"},
		{"price", "default 30 abc", "between 0.000000001 TON and 1000000 TON"},
		{"price", "default 99999 1", "between 1 and 3660"},
		{"adjust", "@alice ten reason", "between 0.000000001 TON and 1000000 TON"},
		{"adjust", "@alice 2000000 reason", "between 0.000000001 TON and 1000000 TON"},
		{"adjust", "@alice -50 reason", "User 1001 has only 10 TON"},
	} {
		t.Run(tc.cmd+" "+tc.args, func(t *testing.T) {
			before := lastID(srv, admin)
			srv.Command(admin, tc.cmd, tc.args)
			m := w.seeOn(admin, -before)
			if !strings.Contains(m.Text, tc.want) || strings.Contains(m.Text, "Something went wrong") {
				t.Errorf("answer %q, want it to say %q", m.Text, tc.want)
			}
		})
	}
	wl, _ := w.eng.Wallet(context.Background(), domain.UserID(alice.ID))
	if wl.Balance != domain.TON(10) {
		t.Errorf("balance %s, want 10 TON untouched", wl.Balance)
	}
}
