package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"

	"allot/domain"
)

// The admins' text commands: one table of every command, with its usage,
// how many words it needs, what it does to durable state (which decides
// how it is answered), and its handler. The same table draws the admins'
// command menu (commands.go). Each command that changes something goes
// through an engine entry point that records it in the audit log under
// the admin's id; every number typed is bounded (domain.CheckAdmin*).

// adminEffect is what an admin command does to durable state.
type adminEffect uint8

const (
	adminReads    adminEffect = iota // shows something, or runs with an answer of its own
	adminChanges                     // changes state under the update's operation: answered "done", or why not and the usage
	adminConfirms                    // destructive: asks to confirm first; the change is made on the button (distrib_admin.go)
)

// adminCommand is one line of the table.
type adminCommand struct {
	name   string // as typed, without the slash
	usage  string // shown when fewer than args words follow, or the handler says errUsage
	args   int
	effect adminEffect
	// dist marks a distribution command: it is neither run nor offered
	// while distribution is off, and its refusals are distribution's words.
	dist bool
	// offered says when the command menu offers it; nil: always (a dist
	// command: while distribution is on). It is run either way.
	offered func(*Bot) bool
	// own marks a command that checks who may run it itself: the message
	// of /fragment_cookies holds a login and is deleted whoever sent it.
	own bool
	run func(s *session, r adminReq) error
}

// adminReq is one admin command as typed.
type adminReq struct {
	ctx  context.Context
	op   domain.OpID // the update's: an update Telegram delivers again applies once
	args []string    // the words after the command
	rest string      // everything after the command, trimmed
	msg  *telego.Message
}

// errUsage is a handler's way of saying the words do not fit its usage.
var errUsage = errors.New("telegram: not the command's usage")

// adminCommands is the table, in the order of the admins' menu.
var adminCommands = []adminCommand{
	{name: "admin", run: (*session).adminMenu},
	{name: "add_number", usage: "/add_number +888…", args: 1, effect: adminChanges, run: (*session).addNumber},
	{name: "remove_number", usage: "/remove_number +888…", args: 1, effect: adminChanges, run: (*session).removeNumber},
	{name: "price", usage: "/price +888…|default DAYS AMOUNT [TON|USDT]", args: 3, effect: adminChanges, run: (*session).setPrice},
	{name: "block", usage: "/block +888… reason", args: 1, effect: adminChanges, run: (*session).block},
	{name: "unblock", usage: "/unblock +888…", args: 1, effect: adminChanges, run: (*session).unblock},
	{name: "extend", usage: "/extend +888… DAYS", args: 2, effect: adminChanges, run: (*session).extend},
	{name: "cancel_rental", usage: "/cancel_rental +888… REFUND [TON|USDT]", args: 2, effect: adminChanges, run: (*session).cancelRental},
	{name: "reclaim", usage: "/reclaim +888…", args: 1, effect: adminChanges, run: (*session).reclaim},
	{name: "checked", usage: "/checked +888…", args: 1, effect: adminChanges, run: (*session).checked},
	{name: "unchecked", run: (*session).uncheckedNumbers},
	{name: "adjust", usage: "/adjust USER AMOUNT [TON|USDT] reason", args: 3, effect: adminChanges, run: (*session).adjust},
	{name: "assign", usage: "/assign TX USER", args: 2, effect: adminChanges, run: (*session).assign},
	{name: "orphans", run: (*session).orphans},
	{name: "payments_checked", usage: "/payments_checked", effect: adminChanges, run: (*session).paymentsChecked,
		offered: func(b *Bot) bool { return b.chainAccepts(domain.CurrencyTON) }},
	{name: "audit", run: (*session).audit},
	{name: "sync_numbers", run: (*session).syncNumbers, offered: func(b *Bot) bool { return b.cfg.Numbers != nil }},
	{name: "fragment_cookies", usage: "/fragment_cookies stel_ssid=…; stel_token=…; stel_ton_token=…", own: true,
		run: (*session).fragmentCookies, offered: func(b *Bot) bool { return b.cfg.SetFragmentCookies != nil }},
	{name: "whitelist", dist: true, run: (*session).whitelist},
	{name: "whitelist_remove", usage: "/whitelist_remove ID", args: 1, effect: adminConfirms, dist: true, run: (*session).whitelistRemove},
	{name: "regions", dist: true, run: (*session).regions},
	{name: "add_region", usage: "/add_region CODE", args: 1, effect: adminChanges, dist: true, run: (*session).addRegion},
	{name: "remove_region", usage: "/remove_region CODE", args: 1, effect: adminConfirms, dist: true, run: (*session).removeRegion},
	{name: "numbers_today_mod", effect: adminConfirms, dist: true, run: (*session).todayOnly},
	{name: "buffer_clear", effect: adminConfirms, dist: true, run: (*session).bufferClear},
	{name: "buffer_release", effect: adminConfirms, dist: true, run: (*session).bufferRelease},
	{name: "pools", dist: true, run: (*session).poolsReport},
}

// adminCommandNamed finds the command typed as cmd ("/name"), if the bot
// runs it now.
func (b *Bot) adminCommandNamed(cmd string) (adminCommand, bool) {
	for _, c := range adminCommands {
		if "/"+c.name == cmd {
			return c, !c.dist || b.distributionOn()
		}
	}
	return adminCommand{}, false
}

// adminCommand runs an admin's text command and reports whether cmd was
// one. A person who is not an admin is told so and nothing happens. The
// operation id comes from the update, so an update Telegram delivers again
// applies once.
func (s *session) adminCommand(updateID int, m *telego.Message, cmd, rest string) bool {
	c, ok := s.bot.adminCommandNamed(cmd)
	if !ok {
		return false
	}
	if !c.own && !s.adminMayAct() {
		return true
	}
	ctx, cancel := s.ctx()
	defer cancel()
	r := adminReq{ctx: ctx, op: s.op("u" + strconv.Itoa(updateID)), args: strings.Fields(rest), rest: rest, msg: m}
	if len(r.args) < c.args {
		s.send(s.t("admin_usage", "usage", c.usage), nil)
		return true
	}
	s.adminAnswer(c, c.run(s, r))
	return true
}

// adminAnswer tells the admin how a command went, as its effect says.
func (s *session) adminAnswer(c adminCommand, err error) {
	switch {
	case errors.Is(err, errUsage):
		s.send(s.t("admin_usage", "usage", c.usage), nil)
	case c.effect != adminChanges: // it answered itself
	case err == nil || errors.Is(err, domain.ErrDuplicateOp): // delivered again: its operation is done, the same answer
		s.send(s.t("admin_done"), nil)
	case c.dist:
		s.send(s.distErrText(err), nil)
	default:
		s.send(s.adminErrText(err)+"\n"+s.t("admin_usage", "usage", c.usage), nil)
	}
}

// adminMenu is /admin: the admin commands, as the menu button shows them.
func (s *session) adminMenu(adminReq) error {
	s.send(s.adminMenuText(), s.menuKeyboard())
	return nil
}

// adminMenuText lists the admin commands, with distribution's when it is on.
func (s *session) adminMenuText() string {
	text := s.t("admin_menu")
	if s.distOn() {
		text += s.t("admin_menu_dist")
	}
	if s.bot.cfg.Codes != nil { // whether renters can get their login codes
		return text + s.t("admin_codes_on")
	}
	return text + s.t("admin_codes_off")
}

// adminMayAct reports whether the person may run an admin command now: an
// admin, not throttled. Anyone else is told so.
func (s *session) adminMayAct() bool {
	if !s.isAdmin() {
		s.send(s.t("admin_only"), s.menuKeyboard())
		return false
	}
	return s.allowed(ActOperation)
}

// orphans is /orphans: the newest payments that matched no invoice.
func (s *session) orphans(r adminReq) error {
	os, err := s.bot.eng.Orphans(r.ctx)
	if err != nil {
		s.fail(0, err)
		return nil
	}
	if len(os) == 0 {
		s.send(s.t("orphans_empty"), nil)
		return nil
	}
	var lines []string
	for _, o := range os[max(0, len(os)-20):] { // the newest twenty fit in one message
		assigned := ""
		if o.Assigned != 0 {
			assigned = s.t("orphan_assigned", "user", o.Assigned)
		}
		lines = append(lines, s.t("orphan_line", "amount", moneyOf(o.Amount, o.Currency), "from", o.From, "at", when(o.At),
			"assigned", raw(assigned), "tx", o.Tx))
	}
	s.send(strings.Join(lines, "\n"), nil)
	return nil
}

// audit is /audit [PAGE]: the audit log, newest first.
func (s *session) audit(r adminReq) error {
	page, _ := strconv.Atoi(r.rest)
	p, err := s.bot.eng.AuditLog(r.ctx, max(page, 0), 20)
	if err != nil {
		s.fail(0, err)
		return nil
	}
	if len(p.Entries) == 0 {
		s.send(s.t("audit_empty"), nil)
		return nil
	}
	var lines []string
	for _, e := range p.Entries {
		lines = append(lines, s.t("audit_line", "at", when(e.At), "by", e.Actor, "action", e.Action,
			"target", e.Target, "detail", e.Detail))
	}
	s.send(strings.Join(lines, "\n"), nil)
	return nil
}
