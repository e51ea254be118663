package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mymmrac/telego"

	"allot/adapters/telegram"
	"allot/domain"
)

// The bot's answers the flows read (texts/en.json).
const (
	txtDone      = "Done."                 // admin_done
	txtAlready   = "already done"          // err_duplicate: an earlier delivery did it
	txtRented    = "is yours until"        // rented
	txtRenewed   = "is renewed until"      // renewed
	tgCredit     = 200                     // TON each customer starts with, by an admin's /adjust
	tgIdle       = 20 * time.Millisecond   // an admin with nothing to do yet waits this long
	tgTypePace   = 1100 * time.Millisecond // between a person's texts
	tgCatalogueN = 4                       // catalogue pages a customer turns looking for a free number
)

// visit is one thing a person does. Customers go back to the menu, then
// rent, renew or look at their wallet; admins add the numbers, credit the
// customers, then credit and extend at random. A screen that is not what
// the flow expects ends the visit: the next starts from the menu.
func (p *tgPerson) visit() {
	if p.admin > 0 {
		p.adminVisit()
		return
	}
	if !p.toMenu() {
		return
	}
	switch x := p.r.IntN(100); {
	case x < 45:
		p.rent()
	case x < 85:
		p.renew()
	default:
		p.wallet()
	}
}

func (p *tgPerson) toMenu() bool {
	switch {
	case p.screen.ID == 0 || p.r.IntN(20) == 0: // now and then people type /start
		return p.start()
	case p.has(lblNumbers):
		return true
	case p.has(lblMenu):
		return p.press(lblMenu) && p.has(lblNumbers)
	}
	return p.start()
}

func (p *tgPerson) start() bool {
	s := &tgSent{kind: tgStart, text: "/start"}
	ok := p.command(s)
	if ok {
		p.run.markStarted(p.id)
	}
	return ok && p.has(lblNumbers)
}

// rent pages through the catalogue to a free number and pays for 30 days
// from the balance; someone faster may have taken it by then.
func (p *tgPerson) rent() {
	if !p.press(lblNumbers) {
		return
	}
	for range tgCatalogueN {
		if b, ok := p.pick(func(b telego.InlineKeyboardButton) bool { return strings.HasSuffix(b.Text, sufFree) }); ok {
			if p.pressButton(b) && p.press(lblRent30) {
				if s, ok := p.pay(); ok && (s.replied(txtRented) || s.replied(txtAlready)) {
					p.run.noteRented(s.number)
				}
			}
			return
		}
		if !p.press(lblNext) {
			return
		}
	}
}

// renew opens one of the person's rentals and renews it for 30 days.
func (p *tgPerson) renew() {
	if !p.press(lblMine) {
		return
	}
	b, ok := p.pick(func(b telego.InlineKeyboardButton) bool { return strings.HasPrefix(b.Text, "+888") })
	if ok && p.pressButton(b) && p.press(lblRenew) && p.press(lblRent30) {
		p.pay()
	}
}

func (p *tgPerson) wallet() {
	if p.press(lblWallet) && p.has(lblNext) {
		p.press(lblNext)
	}
}

// pay presses "From balance" and returns what came of it.
func (p *tgPerson) pay() (*tgSent, bool) {
	b, ok := p.button(lblBalance)
	if !ok {
		return nil, false
	}
	s := p.pressSent(b)
	return s, p.pressUpdate(s)
}

// adminVisit: an admin adds their share of the numbers and credits their
// share of the customers, alternately, so that renting starts early; they
// extend a rented number now and then from the first rent on, and once
// their share is done they credit customers at random.
func (p *tgPerson) adminVisit() {
	if n, ok := p.run.rentedNumber(p.r); ok && p.r.IntN(3) == 0 {
		p.command(&tgSent{kind: tgExtend, text: "/extend " + n + " 1", number: n})
		return
	}
	n, addOwed := p.run.nextNumber(p.admin)
	u, creditOwed := p.run.nextCredit(p.admin)
	switch {
	case addOwed && (!creditOwed || p.setups%2 == 0):
		p.setups++
		p.addNumber(n)
	case creditOwed:
		p.setups++
		p.adjust(u, tgCredit)
	default:
		if u, ok := p.run.someCustomer(p.r); ok {
			p.adjust(u, 1+p.r.IntN(10))
		} else {
			time.Sleep(tgIdle)
		}
	}
}

func (p *tgPerson) addNumber(n string) {
	s := &tgSent{kind: tgAddNumber, text: "/add_number " + n, number: n}
	if p.command(s) && s.acked() {
		p.run.noteAdded(n)
	}
}

// adjust credits u with ton TON under a reason no other update uses.
func (p *tgPerson) adjust(u domain.UserID, ton int) {
	reason := fmt.Sprintf("tgc-%s-%d", p.run.tag, p.run.reasons.Add(1))
	s := &tgSent{kind: tgAdjust, text: fmt.Sprintf("/adjust %d %d %s", u, ton, reason), reason: reason, target: u}
	if p.command(s) && s.acked() && ton == tgCredit {
		p.run.noteCredited(u)
	}
}

// command sends a text, which the bot answers with a new message: at most
// one a second, the bot's outbox limit per chat. A faster person's answer
// would wait in the outbox, and so would the confirmation of every update
// after theirs, which everyone's next update waits for.
func (p *tgPerson) command(s *tgSent) bool {
	if wait := time.Until(p.typed.Add(tgTypePace)); wait > 0 {
		time.Sleep(wait)
	}
	return p.update(s, func() (int, string, error) { return p.run.wire.fake.SendText(p.u, s.text), "", nil })
}

func (s *tgSent) repliedExactly(text string) bool { return slices.Contains(s.replies, text) }

// press presses the button whose label starts with label; false if there
// is none or the bot did not answer.
func (p *tgPerson) press(label string) bool {
	b, ok := p.button(label)
	return ok && p.pressButton(b)
}

func (p *tgPerson) pressButton(b telego.InlineKeyboardButton) bool {
	return p.pressUpdate(p.pressSent(b))
}

// pressSent describes a press; a "From balance" button is a purchase whose
// operation id is the bot's for the button's nonce (adapters/telegram
// session.op), so its ledger entry can be found.
func (p *tgPerson) pressSent(b telego.InlineKeyboardButton) *tgSent {
	s := &tgSent{kind: tgPress, text: b.CallbackData}
	c, err := telegram.DecodeCallback(b.CallbackData)
	if err != nil || c.Action != "pay" && c.Action != "rnp" || len(c.Args) < 4 || c.Args[2] != "b" {
		return s
	}
	s.kind, s.number, s.renew = tgPay, c.Args[0], c.Action == "rnp"
	s.days, _ = strconv.Atoi(c.Args[1])
	s.op = domain.OpID("tg:" + strconv.FormatInt(int64(p.id), 10) + ":" + c.Args[3])
	return s
}

func (p *tgPerson) pressUpdate(s *tgSent) bool {
	msg := p.screen.ID
	return p.update(s, func() (int, string, error) {
		q, err := p.run.wire.fake.PressButton(p.u, msg, s.text)
		return 0, q, err
	})
}

// button finds a button whose label starts with label, as a person reads
// only the start of "Rent for 30 days — 10 TON".
func (p *tgPerson) button(label string) (telego.InlineKeyboardButton, bool) {
	return p.pick(func(b telego.InlineKeyboardButton) bool { return strings.HasPrefix(b.Text, label) })
}

func (p *tgPerson) has(label string) bool { _, ok := p.button(label); return ok }

// pick chooses one of the screen's buttons that match, at random.
func (p *tgPerson) pick(match func(telego.InlineKeyboardButton) bool) (telego.InlineKeyboardButton, bool) {
	var found []telego.InlineKeyboardButton
	for _, b := range p.screen.Buttons() {
		if b.CallbackData != "" && match(b) {
			found = append(found, b)
		}
	}
	if len(found) == 0 {
		return telego.InlineKeyboardButton{}, false
	}
	return found[p.r.IntN(len(found))], true
}

// The admins' shares: admin k (1-based) adds the numbers and credits the
// customers whose index is k-1 modulo the admins.

func (run *tgRun) nextNumber(admin int) (string, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	for i, n := range run.numbers {
		if i%run.admins == admin-1 && !run.added[n] {
			return n, true
		}
	}
	return "", false
}

func (run *tgRun) nextCredit(admin int) (domain.UserID, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	for i, p := range run.people[run.admins:] {
		if i%run.admins == admin-1 && run.started[p.id] && !run.credited[p.id] {
			return p.id, true
		}
	}
	return 0, false
}

func (run *tgRun) someCustomer(r *rand.Rand) (domain.UserID, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	var ids []domain.UserID
	for _, p := range run.people[run.admins:] {
		if run.credited[p.id] {
			ids = append(ids, p.id)
		}
	}
	if len(ids) == 0 {
		return 0, false
	}
	return ids[r.IntN(len(ids))], true
}

func (run *tgRun) rentedNumber(r *rand.Rand) (string, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if len(run.rented) == 0 {
		return "", false
	}
	return run.rented[r.IntN(len(run.rented))], true
}

func (run *tgRun) markStarted(u domain.UserID)  { run.set(run.started, u) }
func (run *tgRun) noteCredited(u domain.UserID) { run.set(run.credited, u) }

func (run *tgRun) set(m map[domain.UserID]bool, u domain.UserID) {
	run.mu.Lock()
	m[u] = true
	run.mu.Unlock()
}

func (run *tgRun) noteAdded(n string) {
	run.mu.Lock()
	run.added[n] = true
	run.mu.Unlock()
}

// noteRented keeps a number whose rent was confirmed: it stays rented for
// the whole run (30 days, nobody cancels), so the admins may extend it.
func (run *tgRun) noteRented(n string) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if !slices.Contains(run.rented, n) {
		run.rented = append(run.rented, n)
	}
}
