package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"
	"github.com/xssnick/tonutils-go/address"

	"allot/actors"
	"allot/domain"
)

// Config is what the bot needs beyond the engine and the Bot API client.
type Config struct {
	Owner      domain.UserID
	Admins     []domain.UserID
	TONWallet  *address.Address // nil: TON payments off (pay from the balance only)
	TONTestnet bool
	// USDTMaster is the USDT jetton master that USDT pay links name; nil:
	// USDT is not paid on chain (prices and balances in USDT still show).
	// USDTReady, when set, says whether the watcher reads USDT payments
	// now: while it does not (our jetton wallet not resolved yet), no USDT
	// invoice is offered, for a payment it would step over.
	USDTMaster  *address.Address
	USDTReady   func() bool
	Limits      LimitOptions
	Outbox      OutboxOptions
	SessionIdle time.Duration // a person's session ends after this long quiet; default 10 min
	QueueLen    int           // updates waiting per person before more are dropped; default 32
	PageSize    int           // catalogue and history lines per page; default 8
	TopUps      []int64       // top-up amounts offered, in TON; default 1, 5, 10
	TopUpsUSDT  []int64       // top-up amounts offered in USDT when USDT is on; default 5, 10, 25
	// Webhook mode when WebhookURL is set: Telegram posts updates to it, the
	// secret is checked, and Mux (the HTTP server's mux) serves WebhookPath.
	WebhookURL    string
	WebhookSecret string
	WebhookPath   string
	Mux           *http.ServeMux
	PollTimeout   int // long-poll seconds; default 30
	// Kinds are the distribution's resource kinds (the kinds file); with
	// none, the distribution and proxy menus are not offered.
	Kinds domain.KindsConfig
	// Login codes (codes.go): where they are read, nil for the relay off;
	// how long a person waits for a new one, and how often it is looked for.
	Codes     LoginCodes
	CodeWatch time.Duration // default 3 min
	CodePoll  time.Duration // default 5 s
	// SetFragmentCookies takes fresh cookies an admin sends with
	// /fragment_cookies (fragment_admin.go); nil when the relay is off.
	SetFragmentCookies func(header string) error
	// Numbers is the Fragment account's list that /sync_numbers syncs the
	// catalogue with (sync.go); nil when the relay is off.
	Numbers actors.OwnedNumbers
}

// Bot routes Telegram updates to one session per person, in the order
// that person sent them, and renders the engine's answers.
type Bot struct {
	eng  *actors.Engine
	api  *telego.Bot
	out  *Outbox
	lim  *Limits
	txt  catalog
	cfg  Config
	log  *slog.Logger
	ctx  context.Context // lives as long as Run; sessions use it for their calls
	stop context.CancelFunc
	now  func() time.Time // the time nonces are drawn and checked at; tests set it

	mu       sync.Mutex
	sessions map[int64]*session
	wg       sync.WaitGroup
	dropped  uint64
	handled  latencies   // updates handled, and how long each took
	watches  codeWatches // the waits for a login code running (codes.go)

	shown atomic.Uint64 // login codes shown to their holders, for metrics

	// dispatch is how long polling hands an update on: HandleAck when nil;
	// tests wrap it to hold an update's handling.
	dispatch func(u telego.Update, done func())

	// recognised are the updates handled before this start (the engine's
	// intake register), read once by Run before any update is received:
	// Telegram delivers them again when a crash came before it was told.
	recognised map[int]bool
}

// New builds a bot; Run starts it.
func New(eng *actors.Engine, api *telego.Bot, cfg Config, log *slog.Logger) (*Bot, error) {
	txt, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 10 * time.Minute
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 32
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 8
	}
	if len(cfg.TopUpsUSDT) == 0 {
		cfg.TopUpsUSDT = []int64{5, 10, 25}
	}
	if len(cfg.TopUps) == 0 {
		cfg.TopUps = []int64{1, 5, 10}
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = slog.New(newRedacting(log.Handler(), api.Token()))
	ctx, stop := context.WithCancel(context.Background())
	return &Bot{eng: eng, api: api, out: NewOutbox(api, cfg.Outbox, log), lim: NewLimits(cfg.Limits, time.Now),
		txt: txt, cfg: cfg, log: log, ctx: ctx, stop: stop, now: time.Now, sessions: map[int64]*session{}}, nil
}

// Run receives updates until ctx ends: by webhook when configured (the
// webhook is set on start), else by long polling (any webhook is deleted
// first, since Telegram refuses getUpdates while one is set). It returns
// after every session has finished what it was doing.
func (b *Bot) Run(ctx context.Context) error {
	return redactErr(b.run(ctx), b.api.Token())
}

func (b *Bot) run(ctx context.Context) error {
	defer b.Close() // Run ends the bot: sessions finish the update in hand and stop
	b.recall(ctx)
	if b.cfg.WebhookURL != "" {
		return b.runWebhook(ctx)
	}
	return b.runPolling(ctx)
}

// runPolling receives by long polling (intake.go), once the command menus
// are set (updates are handled with them in place, as before). After the
// receive stops and the sessions have finished, one last getUpdates
// confirms the updates handled meanwhile, so that the next start does not
// get them again.
func (b *Bot) runPolling(ctx context.Context) error {
	if err := b.api.DeleteWebhook(ctx, &telego.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("telegram: deleteWebhook: %w", err)
	}
	dispatch := b.dispatch
	if dispatch == nil {
		dispatch = b.HandleAck
	}
	in := newIntake(b.api, b.cfg.PollTimeout, allowedUpdates, dispatch, b.log)
	b.setCommands(ctx)
	in.receive(ctx)
	b.Close()
	in.confirm()
	return nil
}

// runWebhook sets the webhook and serves it on the mux until ctx ends; a
// post is answered once its update is handled (webhook.go), and waits for
// the command menus to be set first.
func (b *Bot) runWebhook(ctx context.Context) error {
	if b.cfg.Mux == nil || b.cfg.WebhookPath == "" {
		return errors.New("telegram: webhook mode needs the HTTP mux and a path")
	}
	err := b.api.SetWebhook(ctx, &telego.SetWebhookParams{URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret,
		AllowedUpdates: allowedUpdates})
	if err != nil {
		return fmt.Errorf("telegram: receiving updates: setWebhook: %w", err)
	}
	ready := make(chan struct{})
	b.cfg.Mux.Handle("POST "+b.cfg.WebhookPath, webhookHandler(b.cfg.WebhookSecret, webhookBodyLimit, b.takeUpdates(ready)))
	b.setCommands(ctx)
	close(ready)
	<-ctx.Done()
	return nil
}

// allowedUpdates are the update types the bot asks Telegram for.
var allowedUpdates = []string{"message", "callback_query"}

// setCommands sets the command menus (commands.go): everyone's in each
// language, then the admins' in each admin's chat.
func (b *Bot) setCommands(ctx context.Context) {
	for _, l := range Langs {
		p := &telego.SetMyCommandsParams{Commands: b.userCommands(l)}
		if l != Langs[0] {
			p.LanguageCode = l
		}
		if err := b.api.SetMyCommands(ctx, p); err != nil {
			b.log.Warn("setMyCommands failed", "lang", l, "err", err)
		}
	}
	b.setAdminCommands(ctx)
}

// recall reads the updates handled before this start. Without them (the
// engine did not answer) an update delivered again is still applied once,
// by the operations derived from it; the person may get a second answer.
func (b *Bot) recall(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ids, err := b.eng.HandledUpdates(ctx)
	if err != nil {
		b.log.Warn("reading the updates handled before the start failed", "err", err)
		return
	}
	b.recognised = make(map[int]bool, len(ids))
	for _, id := range ids {
		b.recognised[int(id)] = true
	}
}

// Close ends every session after the update it is handling.
func (b *Bot) Close() {
	b.stop()
	b.wait()
}

func (b *Bot) wait() { b.wg.Wait() }

// Handle queues an update for its person's session. A person whose queue
// is full is flooding: the update is dropped (their limiter would refuse
// it anyway) rather than slowing anyone else.
func (b *Bot) Handle(u telego.Update) { b.HandleAck(u, nil) }

// HandleAck is Handle that calls done (when not nil) once the update needs
// nothing more: after its session's handler returned (the engine answers
// only once a change is durable, so its effect is), even by a panic, or at
// once when the update is ignored or dropped as a flood. An update the bot
// stops before handling never calls done: it was not handled, and Telegram
// must deliver it again.
func (b *Bot) HandleAck(u telego.Update, done func()) {
	if done == nil {
		done = func() {}
	}
	var from *telego.User
	switch {
	case u.Message != nil:
		from = u.Message.From
	case u.CallbackQuery != nil:
		from = &u.CallbackQuery.From
	}
	if from == nil || from.IsBot || b.recognised[u.UpdateID] {
		done()
		return
	}
	dropped := b.enqueue(from.ID, false, func(s *session) {
		defer done()
		start := time.Now()
		s.updateOp = s.op("u" + strconv.Itoa(u.UpdateID))
		defer func() { s.updateOp = "" }()
		s.update(u, *from)
		b.eng.UpdateHandled(int64(u.UpdateID))
		b.handled.observe(time.Since(start))
	})
	if dropped {
		done()
	}
}

// Notify tells a person about something the engine did without being
// asked: a payment, a reminder, an expiry. It runs in their session, after
// whatever they are doing; a notice the number owes (n.Seq) is
// acknowledged to the engine once told (notices.go), so that the next
// start does not raise it again. One that cannot be queued now (the bot
// is stopping) stays owed and comes back with the next start.
func (b *Bot) Notify(n actors.Notice) {
	if a, ok := n.Event.(*domain.HandoverAlerted); ok { // for the admins, never the renter
		b.alertHandover(n.Number, a.Why)
		return
	}
	if b.accountNotice(n) { // for the admins too
		return
	}
	if n.User == 0 {
		return
	}
	b.enqueue(int64(n.User), true, func(s *session) { s.notice(n) })
}

// enqueue adds task to the person's queue. A full queue drops an update
// (must false) but never a notice of the engine's (must true), which waits
// for room instead: a payment must be told even to someone flooding.
// dropped reports the flood's drop; a task queued, or refused because the
// bot is stopping, is not dropped.
func (b *Bot) enqueue(user int64, must bool, task func(*session)) (dropped bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx.Err() != nil {
		return false
	}
	s, ok := b.sessions[user]
	if !ok {
		s = &session{bot: b, user: domain.UserID(user), queue: make(chan func(*session), b.cfg.QueueLen)}
		b.sessions[user] = s
		b.wg.Add(1)
		go s.run()
	}
	select {
	case s.queue <- task:
	default:
		if !must {
			b.dropped++
			return true
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			select {
			case s.queue <- task:
			case <-b.ctx.Done():
			}
		}()
	}
	return false
}

// session is one person's conversation: an actor in all but name, whose
// queue is its mailbox, so that their updates are handled one at a time in
// the order they were sent. It holds only what may be lost: the language
// (also stored with the user), and a question the bot is waiting for an
// answer to (a transfer's recipient). It ends when idle.
type session struct {
	bot   *Bot
	user  domain.UserID
	queue chan func(*session)

	lang     string
	premium  bool
	from     telego.User     // the profile Telegram sent last
	awaiting string          // "transfer" while asking to whom, "nickname" while registering, or a proxy step
	arg      string          // its number
	proxy    *proxyDraft     // the proxy being added or picked (proxies.go)
	confirm  *pendingConfirm // a destructive admin command awaiting its confirmation (distrib.go)
	updateOp domain.OpID     // the operation of the update being handled ("" for a notice)
}

func (s *session) run() {
	defer s.bot.wg.Done()
	idle := time.NewTimer(s.bot.cfg.SessionIdle)
	defer idle.Stop()
	for {
		select {
		case task := <-s.queue:
			s.safely(task)
			idle.Reset(s.bot.cfg.SessionIdle)
		case <-idle.C:
			b := s.bot
			b.mu.Lock()
			if len(s.queue) == 0 {
				delete(b.sessions, int64(s.user))
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			idle.Reset(b.cfg.SessionIdle)
		case <-s.bot.ctx.Done():
			return
		}
	}
}

// safely runs a task, turning a panic into a log line and a short apology:
// one bad update must not end a person's session or the bot.
func (s *session) safely(task func(*session)) {
	defer func() {
		if p := recover(); p != nil {
			s.bot.log.Error("update handler panicked", "user", s.user, "panic", fmt.Sprint(p))
			s.send(s.t("error"), nil)
		}
	}()
	task(s)
}

// ctx bounds one engine or Telegram call. While an update is handled it
// carries the update's operation, which keys the audit entries the engine
// writes, so an update delivered again is audited once.
func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.base(), 15*time.Second)
}

// base is the bot's context with the update's operation, for a call that
// needs its own bound.
func (s *session) base() context.Context {
	if s.updateOp == "" {
		return s.bot.ctx
	}
	return actors.WithOperation(s.bot.ctx, s.updateOp)
}

func (s *session) t(key string, kv ...any) string { return s.bot.txt.T(s.lang, key, kv...) }

func (s *session) isAdmin() bool {
	return s.user == s.bot.cfg.Owner && s.user != 0 || slices.Contains(s.bot.cfg.Admins, s.user)
}

// op is an operation id for a change a button asks for. The nonce was put
// in the button when it was drawn, so pressing it twice, or again after a
// restart, is the same operation and happens once.
func (s *session) op(nonce string) domain.OpID {
	return domain.OpID("tg:" + strconv.FormatInt(int64(s.user), 10) + ":" + nonce)
}

// HTTPClient is the client to give telego: net/http, whose requests a
// cancelled context ends at once (telego's default fasthttp client holds
// shutdown for a whole long poll), with a connection pool sized for a bot.
// Go's default transport keeps two idle connections per host, so a bot
// answering many people opened and closed a connection (a TLS handshake,
// with Telegram) for most requests; the load test measured about half the
// bot's CPU going there.
func HTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t}
}

// latencies counts handled updates by how long they took, in buckets that
// double from 1 ms: lock-free, read by the metrics collector at scrape.
type latencies struct {
	buckets [latencyBuckets + 1]atomic.Uint64 // the last is +Inf
	count   atomic.Uint64
	sumNs   atomic.Uint64
}

// latencyBuckets is 1 ms, 2 ms, … about 16 s.
const latencyBuckets = 15

func latencyBound(i int) time.Duration { return time.Millisecond << i }

func (l *latencies) observe(d time.Duration) {
	i := 0
	for i < latencyBuckets && d > latencyBound(i) {
		i++
	}
	l.buckets[i].Add(1)
	l.count.Add(1)
	l.sumNs.Add(uint64(max(d, 0)))
}

// read returns cumulative counts by upper bound in seconds, the count and
// the sum in seconds, as a Prometheus histogram wants them.
func (l *latencies) read() (map[float64]uint64, uint64, float64) {
	out := make(map[float64]uint64, latencyBuckets)
	var run uint64
	for i := 0; i < latencyBuckets; i++ {
		run += l.buckets[i].Load()
		out[latencyBound(i).Seconds()] = run
	}
	return out, l.count.Load(), float64(l.sumNs.Load()) / 1e9
}

// Healthy reports whether Telegram is taking the bot's calls: no call
// failed for good or was answered 429 in the last minute. /readyz says
// "degraded" otherwise; the bot keeps working either way.
func (b *Bot) Healthy() bool { return !b.out.Troubled(time.Minute) }
