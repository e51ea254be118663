package actors

import (
	"strconv"
	"strings"
	"time"

	"allot/domain"
)

// Commands of the singleton registers: payments, users, audit, catalog.

// seeUser records what Telegram says of a person (nothing if unchanged).
type seeUser struct {
	asker
	u domain.User
}

func (c *seeUser) run(x *exec) {
	d := x.e.state.(*domain.Users)
	ev, err := d.Seen(c.u, x.now)
	if err == nil && ev != nil {
		_, err = x.emit(ev)
	}
	x.reply(c.r, nil, err)
}

// registerNames are the ids of the users registers, for asking them all.
var registerNames = func() []string {
	out := make([]string, registerShards)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

// findUser looks a person up by id or @username.
type findUser struct {
	asker
	ref string
}

func (c *findUser) run(x *exec) {
	u, err := x.e.state.(*domain.Users).Find(strings.TrimSpace(c.ref))
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	x.reply(c.r, *u, nil)
}

// offerVia offers a rental to a person named by id, sent to the users
// register that knows them, which hands the offer on to the number: the
// one offering waits for one answer rather than for the register's and
// then the number's, each a wake-up of the caller (a transfer in
// `loadtest -mode engine` is three answers in a row, and holds the
// mix's tail). Whichever of the two refuses answers. The number's answer
// waits for the number's offer to be durable, and so for everything the
// journal holds before it, the person's record included.
type offerVia struct {
	asker
	ref    string
	number string // canonical
	op     domain.OpID
	from   domain.UserID
}

func (c *offerVia) run(x *exec) {
	u, err := x.e.state.(*domain.Users).Find(c.ref)
	if err != nil {
		x.reply(c.r, nil, err)
		return
	}
	op, from, to := c.op, c.from, u.ID
	offer := &numberChange{asker: c.asker, decide: func(n *domain.Number, p domain.Policy, now time.Time) (domain.Event, error) {
		return n.OfferTransfer(op, from, to, p, now)
	}}
	if !x.route(domain.KindNumber, c.number, offer, false) {
		x.reply(c.r, nil, domain.ErrNumberNotFound)
	}
}

// audit appends to the audit log, unless the log has the entry of the same
// operation already; nobody waits for it.
type audit struct {
	asker
	entry domain.AuditEntry
}

func (c *audit) run(x *exec) {
	ev := x.e.state.(*domain.AuditLog).Record(c.entry)
	if ev == nil {
		x.reply(c.r, nil, nil)
		return
	}
	if _, err := x.emit(ev); err != nil {
		x.eng.log.Error("audit entry lost", "action", c.entry.Action, "err", err)
	}
	x.reply(c.r, nil, nil)
}

type auditPage struct {
	asker
	page, size int
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries []domain.AuditEntry
	More    bool
}

func (c *auditPage) run(x *exec) {
	es, more := x.e.state.(*domain.AuditLog).Page(c.page, c.size)
	x.reply(c.r, AuditPage{Entries: es, More: more}, nil)
}

// setDefaultPrice changes the default price list that every quote reads.
type setDefaultPrice struct {
	asker
	days   int
	amount domain.Money // units 0 removes the period's price in its currency
}

func (c *setDefaultPrice) run(x *exec) {
	cat := x.e.state.(*domain.Catalog)
	ev, err := cat.SetDefault(c.days, c.amount)
	if err == nil {
		_, err = x.emit(ev)
	}
	if err == nil {
		x.eng.setPrices(cat.Prices)
	}
	x.reply(c.r, nil, err)
}
