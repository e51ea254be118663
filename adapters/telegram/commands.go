package telegram

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mymmrac/telego"
	"github.com/mymmrac/telego/telegoapi"

	"allot/domain"
)

// The command menus Telegram shows beside the text field: everyone's, set
// for the default scope, and the admins', set for each admin's own chat.
// Telegram shows a chat the most specific list it has, not a merge, so an
// admin's list holds everyone's commands too.

// menuCommand is a command of a menu: its name without the slash, the
// text key of its description, and when the bot offers it (nil: always).
type menuCommand struct {
	name string
	key  string
	when func(*Bot) bool
}

// userMenu is everyone's menu, in its order.
var userMenu = []menuCommand{
	{"start", "btn_menu", nil},
	{"lang", "btn_lang", nil},
	{"get", "cmd_get", (*Bot).distributionOn},
	{"proxy", "cmd_proxy", (*Bot).distributionOn},
	{"stats", "cmd_stats", (*Bot).distributionOn},
	{"staff", "cmd_staff", (*Bot).distributionOn},
}

// adminMenu is the admins' commands, after everyone's: every line of
// admin.go's table, in its order, offered as the table says.
func adminMenu() []menuCommand {
	out := make([]menuCommand, 0, len(adminCommands))
	for _, c := range adminCommands {
		when := c.offered
		if c.dist {
			when = (*Bot).distributionOn
		}
		out = append(out, menuCommand{c.name, "admincmd_" + c.name, when})
	}
	return out
}

// distributionOn reports whether distribution is configured, as session.distOn.
func (b *Bot) distributionOn() bool { return len(b.cfg.Kinds.Kinds) > 0 }

// commandsOf is the commands of list the bot offers, described in lang.
func (b *Bot) commandsOf(lang string, list []menuCommand) []telego.BotCommand {
	out := make([]telego.BotCommand, 0, len(list))
	for _, c := range list {
		if c.when == nil || c.when(b) {
			out = append(out, telego.BotCommand{Command: c.name, Description: b.txt.T(lang, c.key)})
		}
	}
	return out
}

// userCommands is everyone's menu in lang.
func (b *Bot) userCommands(lang string) []telego.BotCommand { return b.commandsOf(lang, userMenu) }

// adminCommands is an admin's menu in lang: everyone's, then the admins'.
func (b *Bot) adminCommands(lang string) []telego.BotCommand {
	return append(b.userCommands(lang), b.commandsOf(lang, adminMenu())...)
}

// setAdminCommands sets the admins' menu in each admin's chat, for every
// language code Telegram may pick by: in the language the admin chose when
// the bot knows it, else in the language of the code, as for everyone. An
// admin who has never opened the bot has no chat yet: Telegram refuses
// that one with "chat not found", which is no fault (their menu comes
// with the first start after they have opened it), so it is not logged.
func (b *Bot) setAdminCommands(ctx context.Context) {
	for _, id := range b.adminIDs() {
		chosen := b.chosenLang(ctx, id)
		for _, l := range Langs {
			p := &telego.SetMyCommandsParams{Commands: b.adminCommands(cmp.Or(chosen, l)),
				Scope: &telego.BotCommandScopeChat{Type: telego.ScopeTypeChat, ChatID: telego.ChatID{ID: int64(id)}}}
			if l != Langs[0] {
				p.LanguageCode = l
			}
			err := b.api.SetMyCommands(ctx, p)
			if err != nil && !noChatYet(err) {
				b.log.Warn("setMyCommands for an admin's chat failed", "admin", id, "lang", l, "err", err)
			}
			if err != nil {
				break // the same for the other languages
			}
		}
	}
}

// noChatYet reports whether err is Telegram's refusal of a chat it does
// not have: a person who has never opened the bot.
func noChatYet(err error) bool {
	var te *telegoapi.Error
	return errors.As(err, &te) && te.ErrorCode == 400 && strings.Contains(te.Description, "chat not found")
}

// chosenLang is the language a person chose, as the engine stored it, or
// "" when it does not know them.
func (b *Bot) chosenLang(ctx context.Context, id domain.UserID) string {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	u, err := b.eng.FindUser(ctx, strconv.FormatInt(int64(id), 10))
	if err != nil || !slices.Contains(Langs, u.Lang) {
		return ""
	}
	return u.Lang
}
