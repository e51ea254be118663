package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram/botapi"
	"allot/adapters/telegram/outbox"
	"allot/domain"
)

// Config is what the bot needs beyond the engine and the Bot API client.
type Config struct {
	Owner  domain.UserID
	Admins []domain.UserID
	// PayLinks makes the links and QR codes of invoices paid on chain
	// (ton.PayLinks); nil: nothing is paid on chain (pay from the balance
	// only). A currency it does not accept is not paid on chain either
	// (prices and balances in it still show).
	PayLinks PayLinks
	// USDTReady, when set, says whether the watcher reads USDT payments
	// now: while it does not (our jetton wallet not resolved yet), no USDT
	// invoice is offered, for a payment it would step over.
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

// OutboxOptions are the flood limits of the bot's outbox (outbox.Options),
// named here so that whoever builds a Config needs no second import.
type OutboxOptions = outbox.Options

// intakeEngine is what receiving updates asks of the engine: the register
// of the updates handled, so that one Telegram delivers again after a
// crash is recognised.
type intakeEngine interface {
	HandledUpdates(ctx context.Context) ([]int64, error)
	UpdateHandled(id int64)
}

var _ intakeEngine = (*actors.Engine)(nil)

// Bot routes Telegram updates to one session per person, in the order
// that person sent them, and renders the engine's answers.
type Bot struct {
	eng  Engine
	api  *API
	out  *outbox.Outbox
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

	answerJobs chan answerJob // to an idle kept answerer (answerers.go)
	answerers  atomic.Int32   // kept answerers running

	// dispatch is how long polling hands an update on: HandleAck when nil;
	// tests wrap it to hold an update's handling.
	dispatch func(u telego.Update, done func())

	// recognised are the updates handled before this start (the engine's
	// intake register), read once by Run before any update is received:
	// Telegram delivers them again when a crash came before it was told.
	recognised map[int]bool
}

// New builds a bot; Run starts it.
func New(eng Engine, api *API, cfg Config, log *slog.Logger) (*Bot, error) {
	if api == nil || api.Bot == nil || api.direct == nil {
		return nil, errors.New("telegram: the Bot API client is not one NewAPI made")
	}
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
	return &Bot{eng: eng, api: api, out: outbox.New(api.Bot, api.direct, cfg.Outbox, log), lim: NewLimits(cfg.Limits, time.Now),
		txt: txt, cfg: cfg, log: log, ctx: ctx, stop: stop, now: time.Now, sessions: map[int64]*session{},
		answerJobs: make(chan answerJob)}, nil
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

// API is the Bot API client the bot is built with: telego for every call
// but the four it makes most — getUpdates, sendMessage, editMessageText
// and answerCallbackQuery — which go straight through botapi, whose
// answers are read only as far as the bot needs them.
type API struct {
	*telego.Bot
	direct *botapi.Client
}

// NewAPI returns the bot's client on HTTPClient (or client, when not nil),
// with apiURL as the server when set (a local Bot API server, or the
// fake). Its error never quotes the token.
func NewAPI(token, apiURL string, client *http.Client) (*API, error) {
	if client == nil {
		client = HTTPClient()
	}
	opts := []telego.BotOption{telego.WithHTTPClient(client), telego.WithDiscardLogger()}
	if apiURL != "" {
		opts = append(opts, telego.WithAPIServer(apiURL))
	}
	bot, err := telego.NewBot(token, opts...)
	if err != nil {
		return nil, redactErr(fmt.Errorf("telegram: the Bot API client: %w", err), token)
	}
	return &API{Bot: bot, direct: botapi.New(strings.TrimSuffix(apiURL, "/"), token, client)}, nil
}

// Healthy reports whether Telegram is taking the bot's calls: no call
// failed for good or was answered 429 in the last minute. /readyz says
// "degraded" otherwise; the bot keeps working either way.
func (b *Bot) Healthy() bool { return !b.out.Troubled(time.Minute) }
