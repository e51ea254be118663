package main

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// The kinds of update people send in -mode tgcrash.
const (
	tgStart     = "start"      // /start: nothing to change
	tgAddNumber = "add_number" // an admin's /add_number
	tgAdjust    = "adjust"     // an admin's /adjust: a credit with a unique reason
	tgExtend    = "extend"     // an admin's /extend NUMBER 1
	tgPress     = "press"      // a button that only moves between screens
	tgPay       = "pay"        // "From balance": a rent or a renewal bought
)

// tgSent is one update a person sent, what it should change, and what the
// person saw of it. Only its person's goroutine touches it while the run
// goes on.
type tgSent struct {
	id    int    // update_id; for a press learned when it was handed to the bot
	query string // callback query id of a press
	user  domain.UserID
	kind  string
	text  string // the command, or the button's callback data
	sent  time.Time

	answered  time.Time // the first answer the person saw; zero: none
	confirmed time.Time // when the person saw it answered and confirmed
	screens   int       // messages the bot sent or edited for it
	toasts    int       // callback answers for it
	replies   []string  // the screens' texts, in order

	// What it asks for.
	reason string        // tgAdjust: unique, so its ledger and audit entries can be counted
	target domain.UserID // tgAdjust: whose balance
	number string        // tgAddNumber, tgExtend, tgPay
	op     domain.OpID   // tgPay: the purchase's operation id, from the button's nonce
	days   int           // tgPay
	renew  bool          // tgPay
}

// replied reports whether any screen the bot showed for s contains text.
func (s *tgSent) replied(text string) bool {
	return slices.ContainsFunc(s.replies, func(r string) bool { return strings.Contains(r, text) })
}

// tgPerson is one simulated person: they send one update at a time and wait
// for its answer, however long the bot is down, and until the bot has
// confirmed it to Telegram. So every answer the bot sends to them belongs to
// the last update they sent before it: a redelivered update is answered
// before it is confirmed, hence before the person's next update.
type tgPerson struct {
	run   *tgRun
	u     telegramtest.User
	id    domain.UserID
	admin int // 1 + the admin's index, 0 for a customer
	r     *rand.Rand

	mu    sync.Mutex
	inbox []telegramtest.Event // events of this chat not yet taken
	kick  chan struct{}

	sent   []*tgSent // in the order sent
	cur    int       // index in sent of the update the chat's events now belong to
	stray  int       // answers before the first update
	odd    int       // markers that did not match an update sent
	screen telegramtest.Message
	typed  time.Time // when the person last sent a text, which the bot answers with a new message
	setups int       // an admin's /add_number and first /adjust updates
}

func newTgPerson(run *tgRun, id domain.UserID, admin int, seed uint64) *tgPerson {
	return &tgPerson{run: run, id: id, admin: admin, cur: -1, kick: make(chan struct{}, 1),
		u: telegramtest.User{ID: int64(id), FirstName: "T" + strconv.FormatInt(int64(id), 10), LanguageCode: "en"},
		r: rand.New(rand.NewPCG(seed, uint64(id)))}
}

// push hands the person an event of their chat (the dispatcher calls it).
func (p *tgPerson) push(ev telegramtest.Event) {
	p.mu.Lock()
	p.inbox = append(p.inbox, ev)
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// absorb attributes the events received so far: the person's own update
// (the fake's user_message or button_pressed event) starts the next
// update's share of the chat.
func (p *tgPerson) absorb() {
	p.mu.Lock()
	evs := p.inbox
	p.inbox = nil
	p.mu.Unlock()
	for _, ev := range evs {
		switch ev.Kind {
		case telegramtest.EventUserMessage, telegramtest.EventButtonPressed:
			p.cur++
			if p.cur >= len(p.sent) || ev.Kind == telegramtest.EventButtonPressed && ev.QueryID != p.sent[p.cur].query {
				p.odd++
			}
		case telegramtest.EventSent, telegramtest.EventEdited:
			if s := p.current(); s != nil {
				s.screens++
				s.replies = append(s.replies, ev.Message.Text)
				s.seen(ev.Time)
			}
		case telegramtest.EventAnswered:
			if s := p.byQuery(ev.Answer.QueryID); s != nil {
				s.toasts++
				s.seen(ev.Time)
			}
		}
	}
}

// seen notes an answer; the first one's time is the update's.
func (s *tgSent) seen(at time.Time) {
	if s.answered.IsZero() {
		s.answered = at
	}
}

// current is the update the chat's events now belong to; nil before the
// first one (an answer then is stray).
func (p *tgPerson) current() *tgSent {
	if p.cur < 0 || p.cur >= len(p.sent) {
		p.stray++
		return nil
	}
	return p.sent[p.cur]
}

// byQuery finds the press a callback answer is for: the fake answers each
// query once, so this is exact.
func (p *tgPerson) byQuery(q string) *tgSent {
	for i := len(p.sent) - 1; i >= 0; i-- {
		if p.sent[i].query == q {
			return p.sent[i]
		}
	}
	p.stray++
	return nil
}

// update sends one update with send, which returns its update_id (0 for a
// press) and its callback query id, and waits for its answer and its
// confirmation. It reports false when nothing was sent, the run is
// stopping, or the wait was cut short.
func (p *tgPerson) update(s *tgSent, send func() (int, string, error)) bool {
	if p.run.stopping.Load() {
		return false
	}
	id, q, err := send()
	if err != nil { // the button is gone: nothing was sent, and the screen is not what the person thought
		p.screen = telegramtest.Message{}
		return false
	}
	s.id, s.query, s.user, s.sent = id, q, p.id, time.Now()
	if q == "" {
		p.typed = s.sent
	}
	p.sent = append(p.sent, s)
	ok := p.await(s)
	p.readScreen()
	return ok
}

// await waits until s has an answer and the bot confirmed it, or the run's
// deadline.
func (p *tgPerson) await(s *tgSent) bool {
	for {
		p.absorb()
		confirmed, moved := p.run.wire.confirmed(s)
		if confirmed && !s.answered.IsZero() {
			s.confirmed = time.Now()
			return true
		}
		select {
		case <-p.kick:
		case <-moved:
		case <-p.run.deadline:
			p.absorb()
			return false
		}
	}
}

// readScreen takes as the screen the bot message changed last: the fake's
// transcript is current once the update is confirmed, when its events may
// still be on their way.
func (p *tgPerson) readScreen() {
	var best telegramtest.Message
	for _, m := range p.run.wire.fake.Messages(p.u.ID) {
		if tgChanged(m).After(tgChanged(best)) || tgChanged(m).Equal(tgChanged(best)) && m.ID > best.ID {
			best = m
		}
	}
	p.screen = best
}

func tgChanged(m telegramtest.Message) time.Time {
	if m.EditDate.After(m.Date) {
		return m.EditDate
	}
	return m.Date
}

// tgRun is what the people share: the fake behind its wire, the run's
// stop and deadline, and what the admins need to know of the customers.
type tgRun struct {
	wire     *tgWire
	people   []*tgPerson
	byChat   map[int64]*tgPerson
	admins   int
	numbers  []string
	tag      string // makes the run's /adjust reasons unique
	reasons  atomic.Int64
	stopping atomic.Bool   // no new updates
	deadline chan struct{} // closed when waiting for answers is over
	barrier  chan struct{} // closed when the dispatcher reaches the flush update
	wg       sync.WaitGroup
	once     sync.Once // closes deadline
	inFlight int       // updates handed to a bot process and not confirmed when it was killed

	mu       sync.Mutex
	started  map[domain.UserID]bool // customers whose /start was answered
	credited map[domain.UserID]bool // customers given their starting balance
	added    map[string]bool        // numbers an /add_number was confirmed for
	rented   []string               // numbers a rent was confirmed for
}

// tgFlushUser sends the update that marks the end of the event stream.
var tgFlushUser = telegramtest.User{ID: 999_999, FirstName: "Flush", LanguageCode: "en"}

// dispatch hands each chat's events to its person, in order.
func (run *tgRun) dispatch(events <-chan telegramtest.Event) {
	for ev := range events {
		if p := run.byChat[ev.ChatID]; p != nil {
			p.push(ev)
		} else if ev.ChatID == tgFlushUser.ID && ev.Kind == telegramtest.EventUserMessage {
			close(run.barrier)
		}
	}
}

// flush waits until every event emitted so far has been handed out: the
// fake streams events in order, so once the flush user's message is
// through, so is everything before it.
func (run *tgRun) flush(limit time.Duration) bool {
	run.wire.fake.SendText(tgFlushUser, "flush")
	select {
	case <-run.barrier:
	case <-time.After(limit):
		return false
	}
	for _, p := range run.people {
		p.absorb()
	}
	return true
}

// live runs every person until the run stops.
func (run *tgRun) live() {
	for _, p := range run.people {
		run.wg.Add(1)
		go func() {
			defer run.wg.Done()
			for !run.stopping.Load() {
				p.visit()
			}
		}()
	}
}
