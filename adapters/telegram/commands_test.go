package telegram

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"

	"allot/actors"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// commandNames are the names of cmds, in order.
func commandNames(cmds []telego.BotCommand) []string {
	names := make([]string, 0, len(cmds))
	for _, c := range cmds {
		names = append(names, c.Command)
	}
	return names
}

// describedAs is the description of the command named name in cmds.
func describedAs(cmds []telego.BotCommand, name string) string {
	for _, c := range cmds {
		if c.Command == name {
			return c.Description
		}
	}
	return ""
}

func TestBot_SetCommands_AdminsChatsHaveTheAdminCommands(t *testing.T) {
	const stranger = 999 // an admin who never opened the bot: Telegram has no chat with them
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	clock := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	admins := func(_ *actors.Options, c *Config) { c.Admins = []domain.UserID{stranger, domain.UserID(bob.ID)} }
	for _, u := range []telegramtest.User{admin, alice, bob} {
		srv.AddUser(u)
	}

	w := newWorldWith(t, srv, dir, clock, admins)
	srv.Command(alice, "start", "")
	w.see(alice, "Hello, Alice") // updates are handled once the commands are set
	for _, tc := range []struct {
		chat  int64
		lang  string
		wDesc string // of /admin, in the language Telegram shows it for lang
	}{
		{chat: admin.ID, lang: "", wDesc: "Admin menu: every admin command"},
		{chat: admin.ID, lang: "ru", wDesc: "Меню админа: все команды"},
	} {
		got := srv.ChatCommands(tc.chat, tc.lang)
		names := commandNames(got)
		for _, want := range []string{"start", "lang", "admin", "add_number", "adjust", "orphans", "audit", "unchecked"} {
			if !slices.Contains(names, want) {
				t.Errorf("chat %d %q: no /%s in %v", tc.chat, tc.lang, want, names)
			}
		}
		if d := describedAs(got, "admin"); d != tc.wDesc {
			t.Errorf("chat %d %q: /admin is %q, want %q", tc.chat, tc.lang, d, tc.wDesc)
		}
	}
	for _, lang := range []string{"", "ru"} {
		if got := srv.ChatCommands(alice.ID, lang); got != nil {
			t.Errorf("alice, no admin, has a menu of her own in %q: %v", lang, commandNames(got))
		}
		if names := commandNames(srv.Commands(lang)); slices.Contains(names, "admin") || !slices.Contains(names, "start") {
			t.Errorf("everyone's menu in %q is %v", lang, names)
		}
	}
	if got := srv.ChatCommands(bob.ID, ""); got == nil {
		t.Error("bob, an admin, has no admin menu: the stranger's refusal stopped the others")
	}

	// Bob chooses Russian; after a restart his menu is Russian whatever
	// language his Telegram is in.
	srv.Command(bob, "start", "")
	w.see(bob, "Здравствуйте")
	w.close()
	w = newWorldWith(t, srv, dir, clock, admins)
	last := lastID(srv, alice)
	srv.Command(alice, "start", "")
	w.seeOn(alice, -last, "Hello, Alice")
	for _, lang := range []string{"", "ru"} {
		if d := describedAs(srv.ChatCommands(bob.ID, lang), "admin"); d != "Меню админа: все команды" {
			t.Errorf("bob's /admin in %q is %q, want it in Russian", lang, d)
		}
	}
}

func TestBot_AdminCommands(t *testing.T) {
	txt, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	kinds := statsExampleKinds(t)
	for _, tc := range []struct {
		name  string
		cfg   Config
		wHas  []string
		wNot  []string
		wUser []string
	}{
		{name: "renting only", wHas: []string{"admin", "price", "cancel_rental", "reclaim", "checked"},
			wNot: []string{"whitelist", "pools", "sync_numbers", "fragment_cookies", "get"}, wUser: []string{"start", "lang"}},
		{name: "distribution and the relay", cfg: Config{Kinds: kinds, SetFragmentCookies: func(string) error { return nil },
			Numbers: &ownedList{}},
			wHas: []string{"sync_numbers", "whitelist", "whitelist_remove", "regions", "add_region", "remove_region", "numbers_today_mod",
				"buffer_clear", "buffer_release", "pools", "fragment_cookies"},
			wUser: []string{"start", "lang", "get", "proxy", "stats", "staff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Bot{txt: txt, cfg: tc.cfg}
			for _, l := range Langs {
				user, all := commandNames(b.userCommands(l)), commandNames(b.adminCommands(l))
				if !slices.Equal(user, tc.wUser) || !slices.Equal(all[:len(user)], user) {
					t.Errorf("%s: everyone's %v, the admins' %v: want %v first", l, user, all, tc.wUser)
				}
				for _, w := range tc.wHas {
					if !slices.Contains(all, w) {
						t.Errorf("%s: no /%s in %v", l, w, all)
					}
				}
				for _, w := range tc.wNot {
					if slices.Contains(all, w) {
						t.Errorf("%s: /%s is offered in %v", l, w, all)
					}
				}
			}
		})
	}
}

// TestAdminMenu_KeepsInStepWithTheCommands checks that every admin command
// admin.go runs is in the menu with a usage when it takes words, each described in every language, and
// that the whole list is one Telegram takes.
func TestAdminMenu_KeepsInStepWithTheCommands(t *testing.T) {
	txt, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range append(slices.Clone(userMenu), adminMenu()...) {
		names = append(names, c.name)
		for _, l := range Langs {
			d, ok := txt[l][c.key]
			if n := len([]rune(d)); !ok || n < 1 || n > 256 {
				t.Errorf("/%s in %s: description %q", c.name, l, d)
			}
		}
	}
	for _, c := range adminCommands {
		if !slices.Contains(names, c.name) {
			t.Errorf("/%s is not in the admins' menu", c.name)
		}
		if c.args > 0 && c.usage == "" {
			t.Errorf("/%s needs %d words and has no usage to say so", c.name, c.args)
		}
	}
	for _, n := range names {
		if len(n) > 32 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Errorf("/%s is not a name Telegram takes", n)
		}
	}
	if unique := slices.Compact(slices.Sorted(slices.Values(names))); len(names) > 100 || len(unique) != len(names) {
		t.Errorf("%d commands, some twice or more than Telegram's 100: %v", len(names), names)
	}
}

func TestNoChatYet(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	srv.AddUser(alice)
	api, err := NewAPI(srv.Token(), srv.URL(), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	set := func(chat int64, cmd string) error {
		return api.SetMyCommands(t.Context(), &telego.SetMyCommandsParams{
			Commands: []telego.BotCommand{{Command: cmd, Description: "x"}}, Scope: tu.ScopeChat(tu.ID(chat))})
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{name: "a person who never opened the bot", err: set(4242, "start"), want: true},
		{name: "a bad command", err: set(alice.ID, "Start"), want: false},
		{name: "no error", err: set(alice.ID, "start"), want: false},
		{name: "another error", err: errors.New("chat not found"), want: false},
	} {
		if got := noChatYet(tc.err); got != tc.want {
			t.Errorf("%s: noChatYet(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
