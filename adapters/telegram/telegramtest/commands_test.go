package telegramtest

import (
	"testing"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"
)

func TestServer_ChatCommands(t *testing.T) {
	srv := newServer(t)
	bot := newBot(t, srv)
	ctx := testContext(t)
	srv.AddUser(alice)
	everyone := []telego.BotCommand{{Command: "start", Description: "Start"}}
	mine := []telego.BotCommand{{Command: "start", Description: "Start"}, {Command: "audit", Description: "Audit log"}}
	if err := bot.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: everyone}); err != nil {
		t.Fatalf("SetMyCommands: %v", err)
	}
	err := bot.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: mine, LanguageCode: "ru",
		Scope: tu.ScopeChat(tu.ID(alice.ID))})
	if err != nil {
		t.Fatalf("SetMyCommands in alice's chat: %v", err)
	}
	if got := srv.ChatCommands(alice.ID, "ru"); !equalish(got, mine) {
		t.Errorf("ChatCommands(alice, ru) = %+v", got)
	}
	if got := srv.ChatCommands(alice.ID, ""); got != nil {
		t.Errorf("ChatCommands(alice, \"\") = %+v, set for ru only", got)
	}
	if got := srv.Commands(""); !equalish(got, everyone) {
		t.Errorf("a chat's list replaced everyone's: Commands = %+v", got)
	}
	if got := srv.Commands("ru"); got != nil {
		t.Errorf("a chat's list became everyone's in ru: %+v", got)
	}
	err = bot.SetMyCommands(ctx, &telego.SetMyCommandsParams{Commands: mine, Scope: tu.ScopeChat(tu.ID(4242))})
	wantAPIError(t, err, 400, "chat not found")
}
