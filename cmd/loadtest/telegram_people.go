package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"

	"allot/adapters/telegram/telegramtest"
)

// The simulated people of -mode telegram: each presses only the buttons the
// bot's latest message shows, and tallies what it was answered.

// botUser is one simulated person. They look at one of the bot's messages
// at a time (the menu, edited in place as they press its buttons) and
// press only buttons it shows.
type botUser struct {
	w       *botWorld
	u       telegramtest.User
	replies chan telegramtest.Event
	screen  telegramtest.Message
	lost    bool // the last update went unanswered: the screen may be stale
	r       *rand.Rand
	timer   *time.Timer
	stop    *atomic.Bool
	tally   botTally
}

// flow is one visit: back to the menu, then renting, renewing or a look
// at the wallet.
func (p *botUser) flow() {
	if !p.toMenu() {
		return
	}
	switch x := p.r.IntN(100); {
	case x < 45:
		p.rent()
	case x < 80:
		p.renew()
	default:
		p.wallet()
	}
}

func (p *botUser) toMenu() bool {
	switch {
	case p.lost || p.r.IntN(50) == 0: // now and then people type /start
		return p.start()
	case p.has(lblNumbers):
		return true
	case p.has(lblMenu):
		return p.press(lblMenu)
	}
	return p.start()
}

// rent pages through the catalogue to a free number and pays for 30 days
// from the balance; someone faster may have taken it by then.
func (p *botUser) rent() {
	if !p.press(lblNumbers) {
		return
	}
	for hops := 0; ; hops++ {
		if b, ok := p.pick(func(b telego.InlineKeyboardButton) bool { return strings.HasSuffix(b.Text, sufFree) }); ok {
			if p.pressButton(b) && p.press(lblRent30) && p.press(lblBalance) {
				p.tally.outcome(strings.Contains(p.screen.Text, "is yours until"), &p.tally.rented, &p.tally.rentRefused)
			}
			return
		}
		turned := false
		if hops > 0 && p.r.IntN(10) == 0 && p.has(lblPrev) {
			turned = p.press(lblPrev)
		} else if hops < botMaxHops && p.has(lblNext) {
			turned = p.press(lblNext)
		}
		if !turned {
			return
		}
	}
}

// renew opens one of the person's rentals and renews it for 30 days.
func (p *botUser) renew() {
	if !p.press(lblMine) {
		return
	}
	b, ok := p.pick(func(b telego.InlineKeyboardButton) bool { return strings.HasPrefix(b.Text, "+888") })
	if ok && p.pressButton(b) && p.press(lblRenew) && p.press(lblRent30) && p.press(lblBalance) {
		p.tally.outcome(strings.Contains(p.screen.Text, "is renewed until"), &p.tally.renewed, &p.tally.renewRefused)
	}
}

func (p *botUser) wallet() {
	if p.press(lblWallet) && p.has(lblNext) && p.press(lblNext) {
		p.press(lblPrev)
	}
}

// button finds a button whose label starts with label, as a person reads
// only the start of "Rent for 30 days — 10 TON".
func (p *botUser) button(label string) (telego.InlineKeyboardButton, bool) {
	return p.pick(func(b telego.InlineKeyboardButton) bool { return strings.HasPrefix(b.Text, label) })
}

func (p *botUser) has(label string) bool { _, ok := p.button(label); return ok }

// pick chooses one of the screen's buttons that match, at random.
func (p *botUser) pick(match func(telego.InlineKeyboardButton) bool) (telego.InlineKeyboardButton, bool) {
	var found []telego.InlineKeyboardButton
	for _, row := range p.screen.Keyboard {
		for _, b := range row {
			if b.CallbackData != "" && match(b) {
				found = append(found, b)
			}
		}
	}
	if len(found) == 0 {
		return telego.InlineKeyboardButton{}, false
	}
	return found[p.r.IntN(len(found))], true
}

// press presses the button labelled label; false if there is none or the
// bot did not answer.
func (p *botUser) press(label string) bool {
	b, ok := p.button(label)
	return ok && p.pressButton(b)
}

func (p *botUser) pressButton(b telego.InlineKeyboardButton) bool {
	id := p.screen.ID
	return p.update(id, func() error {
		_, err := p.w.srv.PressButton(p.u, id, b.CallbackData)
		return err
	})
}

// start sends /start, which the bot answers with a new menu message.
func (p *botUser) start() bool {
	return p.update(0, func() error { p.w.srv.Command(p.u, "start", ""); return nil })
}

// update sends one update and waits for the answer: a new message, or an
// edit of message id (0: only a new message will do). The latency runs
// from just before the update to the moment the fake took the answer, so
// it leaves out how long this process takes to hand the answer on.
func (p *botUser) update(id int, send func() error) bool {
	if p.stop != nil && p.stop.Load() {
		return false
	}
	p.drain()
	t0 := time.Now()
	if err := send(); err != nil {
		p.tally.fail(&p.tally.timeouts, err.Error())
		p.lost = true
		return false
	}
	p.timer.Reset(botReplyWait)
	for {
		select {
		case ev := <-p.replies:
			if ev.Kind == telegramtest.EventEdited && (id == 0 || ev.Message.ID != id) {
				continue
			}
			p.screen = *ev.Message
			p.lost = !p.tally.answered(p.screen.Text, ev.Time.Sub(t0))
			if !p.lost && !ev.Handed.Before(t0) { // handed this update, not an earlier one
				p.tally.inBot.add(ev.Time.Sub(ev.Handed))
			}
			return !p.lost
		case <-p.timer.C:
			p.tally.fail(&p.tally.timeouts, fmt.Sprintf("no answer within %s", botReplyWait))
			p.lost = true
			return false
		}
	}
}

// drain forgets answers that came too late to count.
func (p *botUser) drain() {
	for {
		select {
		case <-p.replies:
		default:
			return
		}
	}
}

// botTally is what one person saw; the run's is the sum.
type botTally struct {
	updates, timeouts, wentWrong int64
	rented, rentRefused          int64
	renewed, renewRefused        int64
	h                            histogram
	// inBot is the bot's part of each answer's latency: from getUpdates
	// handing it the update to the answer. The rest is the wait in the
	// queue for a poll, which Telegram's window of 100 updates past the
	// offset bounds (adapters/telegram/intake.go).
	inBot    histogram
	firstErr string
	elapsed  time.Duration
}

// answered counts an answer; an apology for an internal error or a busy
// engine is an error, not an answer.
func (t *botTally) answered(text string, d time.Duration) bool {
	if strings.Contains(text, "Something went wrong") || strings.Contains(text, "The bot is busy") {
		t.fail(&t.wentWrong, "the bot answered: "+text)
		return false
	}
	t.updates++
	t.h.add(d)
	return true
}

func (t *botTally) fail(counter *int64, why string) {
	*counter++
	if t.firstErr == "" {
		t.firstErr = why
	}
}

func (t *botTally) outcome(ok bool, yes, no *int64) {
	if ok {
		*yes++
	} else {
		*no++
	}
}

func (t *botTally) errors() int64 { return t.timeouts + t.wentWrong }

func (t *botTally) merge(o *botTally) {
	t.updates += o.updates
	t.timeouts += o.timeouts
	t.wentWrong += o.wentWrong
	t.rented += o.rented
	t.rentRefused += o.rentRefused
	t.renewed += o.renewed
	t.renewRefused += o.renewRefused
	t.h.merge(&o.h)
	t.inBot.merge(&o.inBot)
	if t.firstErr == "" {
		t.firstErr = o.firstErr
	}
}
