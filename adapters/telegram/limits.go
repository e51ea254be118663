package telegram

import (
	"cmp"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Action is what a person asks the bot to do, as far as rate limits care:
// each kind has its own budget, so someone who chats a lot can still pay,
// and someone who hammers the pay button cannot flood the payment provider.
type Action int

// The actions Limits counts. Every update is an ActMessage; an update that
// changes something is also an ActOperation or an ActPayment, checked after
// its ActMessage.
const (
	ActMessage   Action = iota // any update: a message, a command, a button
	ActOperation               // a change: rent, renew, transfer, top-up, admin action
	ActPayment                 // opening an invoice or paying from the balance
	numActions
)

// String names the action for logs and metric labels.
func (a Action) String() string {
	switch a {
	case ActMessage:
		return "message"
	case ActOperation:
		return "operation"
	case ActPayment:
		return "payment"
	}
	return "unknown"
}

const (
	personIdle = 10 * time.Minute // a person's limiters are forgotten after this long unused
	sweepEvery = time.Minute      // how often Allow looks for people to forget
)

// LimitOptions are the per-person rate limits. Zero fields take the
// defaults; a negative rate switches that limit off.
type LimitOptions struct {
	MessagesPerMin   float64 // default 30
	MessageBurst     int     // default 10
	OperationsPerMin float64 // default 20
	OperationBurst   int     // default 5
	PaymentsPerMin   float64 // default 5
	PaymentBurst     int     // default 2
	PremiumFactor    float64 // default 2: Telegram Premium users get twice the rates and bursts
	GlobalPerSec     float64 // all updates together; default 1000
	GlobalBurst      int     // default 1000
}

func (o LimitOptions) withDefaults() LimitOptions {
	o.MessagesPerMin = cmp.Or(o.MessagesPerMin, 30)
	o.MessageBurst = max(cmp.Or(o.MessageBurst, 10), 1)
	o.OperationsPerMin = cmp.Or(o.OperationsPerMin, 20)
	o.OperationBurst = max(cmp.Or(o.OperationBurst, 5), 1)
	o.PaymentsPerMin = cmp.Or(o.PaymentsPerMin, 5)
	o.PaymentBurst = max(cmp.Or(o.PaymentBurst, 2), 1)
	o.PremiumFactor = cmp.Or(o.PremiumFactor, 2)
	o.GlobalPerSec = cmp.Or(o.GlobalPerSec, 1000)
	o.GlobalBurst = max(cmp.Or(o.GlobalBurst, 1000), 1)
	return o
}

// Limits keeps each person, and everyone together, to a sane rate of
// updates, so one person (or a script) cannot take the bot's time from the
// others. It reads time only from the clock it was given, so tests need no
// sleeps, and starts no goroutines. It is safe for concurrent use.
type Limits struct {
	opts   LimitOptions
	now    func() time.Time
	mu     sync.Mutex
	global *rate.Limiter
	people map[int64]*person
	swept  time.Time
	hits   [numActions]uint64
}

// person is one person's budgets.
type person struct {
	lims    [numActions]*rate.Limiter
	told    [numActions]bool // told they are throttled, and not allowed since
	premium bool
	last    time.Time
}

// NewLimits returns limits that read the time from now (time.Now if nil).
func NewLimits(o LimitOptions, now func() time.Time) *Limits {
	if now == nil {
		now = time.Now
	}
	o = o.withDefaults()
	global := rate.Limit(o.GlobalPerSec)
	if o.GlobalPerSec < 0 { // negative: no limit
		global = rate.Inf
	}
	return &Limits{opts: o, now: now, people: map[int64]*person{}, global: rate.NewLimiter(global, o.GlobalBurst)}
}

// Allow reports whether user may do act now and, if so, counts it. When
// not, tell is true only the first time in a throttled stretch, so the
// person is told once and not on every message; it turns true again after
// the user has been allowed once more.
//
// The global limit applies to ActMessage only, and its refusals never set
// tell: the person did nothing wrong, and answering every dropped update
// would add to the overload. An action Limits does not know is allowed.
func (l *Limits) Allow(user int64, premium bool, act Action) (ok, tell bool) {
	if act < 0 || act >= numActions {
		return true, false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	p := l.personLocked(user, premium, now)
	p.last = now
	lim := p.lims[act]
	if !hasToken(lim, now) {
		l.hits[act]++
		tell, p.told[act] = !p.told[act], true
		return false, tell
	}
	if act == ActMessage {
		if !hasToken(l.global, now) {
			l.hits[act]++
			return false, false
		}
		l.global.AllowN(now, 1)
	}
	lim.AllowN(now, 1)
	p.told[act] = false
	return true, false
}

// Hits returns how many times each action was refused, for metrics.
func (l *Limits) Hits() map[Action]uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[Action]uint64, numActions)
	for a := range numActions {
		m[a] = l.hits[a]
	}
	return m
}

// hasToken checks before taking, so a refusal by one limiter does not spend
// a token of another.
func hasToken(lim *rate.Limiter, now time.Time) bool {
	return lim.Limit() == rate.Inf || lim.TokensAt(now) >= 1
}

// personLocked returns user's budgets, made on first use and rescaled when
// their Premium status changed.
func (l *Limits) personLocked(user int64, premium bool, now time.Time) *person {
	p := l.people[user]
	if p == nil {
		p = &person{premium: premium}
		for a := range numActions {
			r, b := l.budget(a, premium)
			p.lims[a] = rate.NewLimiter(r, b)
		}
		l.people[user] = p
	} else if p.premium != premium {
		p.premium = premium
		for a := range numActions {
			r, b := l.budget(a, premium)
			p.lims[a].SetLimitAt(now, r)
			p.lims[a].SetBurstAt(now, b)
		}
	}
	return p
}

// budget is the rate and burst of act for one person.
func (l *Limits) budget(act Action, premium bool) (rate.Limit, int) {
	perMin, burst := l.opts.MessagesPerMin, l.opts.MessageBurst
	switch act {
	case ActOperation:
		perMin, burst = l.opts.OperationsPerMin, l.opts.OperationBurst
	case ActPayment:
		perMin, burst = l.opts.PaymentsPerMin, l.opts.PaymentBurst
	}
	if premium {
		perMin *= l.opts.PremiumFactor
		burst = int(math.Ceil(float64(burst) * l.opts.PremiumFactor))
	}
	if perMin < 0 {
		return rate.Inf, burst
	}
	return rate.Limit(perMin / 60), max(burst, 1)
}

// sweepLocked forgets people unused for personIdle, at most once per
// sweepEvery so Allow stays cheap. With the default rates a budget unused
// that long has refilled, so forgetting it changes nothing.
func (l *Limits) sweepLocked(now time.Time) {
	if now.Sub(l.swept) < sweepEvery {
		return
	}
	l.swept = now
	for id, p := range l.people {
		if now.Sub(p.last) > personIdle {
			delete(l.people, id)
		}
	}
}
