package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"
)

// Token is the bot token the fake accepts unless WithToken says otherwise.
// It has the shape telego insists on (^\d+:[\w-]{35}$), and its number is the
// bot's user ID, as in a real token.
const Token = "123456789:AAFakeTokenOfTheAllotTelegramFake01"

// Errors of the people-side calls. They name the mistake in the test, not a
// Bot API failure: those go to the bot as HTTP answers.
var (
	ErrClosed    = errors.New("telegramtest: server closed")
	ErrNoMessage = errors.New("telegramtest: no such message in the chat")
	ErrNoButton  = errors.New("telegramtest: the message has no button with that callback data")
)

// Option configures a Server.
type Option func(*config)

type config struct {
	token    string
	bot      telego.User
	limits   Limits
	now      func() time.Time
	listen   bool
	addr     string
	updateID int
}

// WithToken sets the token the bot must present; it must have telego's shape.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBot sets what getMe answers and who the bot's messages are from; a
// zero ID is taken from the token.
func WithBot(u telego.User) Option { return func(c *config) { c.bot = u } }

// WithLimits replaces the default flood limits.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithoutLimits turns flood control off, for tests that send fast on purpose.
func WithoutLimits() Option { return WithLimits(Limits{}) }

// WithClock sets where the fake reads the time: message dates and flood
// control. Tests of rate limits pass a clock they move by hand.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithAddr sets the listening address, for a playground that wants a fixed
// port; the default is a free port on 127.0.0.1.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithoutListener makes New start no HTTP server: the caller mounts Handler
// on its own mux, and URL is empty.
func WithoutListener() Option { return func(c *config) { c.listen = false } }

// WithFirstUpdateID sets the first update_id. Telegram's IDs are large and
// start anywhere, so the default is not 1, to catch bots that assume it is.
// By default each server a process starts begins a million past the one
// before: one bot's update ids never repeat, and a bot remembers those it
// handled, so a test that restarts it with a fresh server over the same data
// must not send it the same ids again.
func WithFirstUpdateID(id int) Option { return func(c *config) { c.updateID = id } }

// servers counts the servers started, for the default first update_id.
var servers atomic.Int64

// Server is the fake Bot API with its simulated people. Create it with New
// and Close it when done.
type Server struct {
	cfg    config
	bot    telego.User
	from   *telego.User // the bot as its messages show it; shared by all, never modified
	table  map[string]route
	hs     *http.Server
	url    string
	served chan struct{} // closed when the HTTP server has stopped
	done   chan struct{} // closed by Close
	once   sync.Once
	hookMu sync.Mutex // serializes webhook changes, which wait for the sender

	mu        sync.Mutex
	closed    bool
	chats     map[int64]*chat
	queue     []pending // updates not yet confirmed or delivered
	nextID    int
	queued    signal // an update was queued
	changed   signal // a transcript changed
	poll      *longPoll
	allowed   map[string]bool // nil: Telegram's default set
	hook      webhook
	queries   map[string]*callbackQuery
	nextQuery int64
	files     map[string]*File
	nextFile  int
	commands  map[string][]telego.BotCommand
	chatCmds  map[int64]map[string][]telego.BotCommand // a chat scope's lists, by chat, then language
	subs      map[*subscription]struct{}
	faults    []fault
	global    bucket
	recent    window // accepted messages overall in the last second
	stats     Stats
	scratch   []byte // keepWireLocked's buffer
}

// New starts a fake Bot API on a free loopback port (see WithoutListener).
// It panics if it cannot listen, like httptest.NewServer: that is a broken
// machine, not something a test can handle.
func New(opts ...Option) *Server {
	cfg := config{
		token: Token, limits: DefaultLimits(), now: time.Now,
		listen: true, addr: "127.0.0.1:0", updateID: 573_000_001 + int(servers.Add(1)-1)%1000*1_000_000,
	}
	cfg.bot = telego.User{IsBot: true, FirstName: "Allot", Username: "allot_test_bot", CanJoinGroups: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.bot.ID == 0 { // a token starts with its bot's ID
		num, _, _ := strings.Cut(cfg.token, ":")
		cfg.bot.ID, _ = strconv.ParseInt(num, 10, 64)
	}
	s := &Server{
		cfg: cfg, bot: cfg.bot, done: make(chan struct{}), served: make(chan struct{}),
		chats: map[int64]*chat{}, nextID: cfg.updateID,
		queries: map[string]*callbackQuery{}, nextQuery: 4_382_000_000_000_000_001,
		files: map[string]*File{}, commands: map[string][]telego.BotCommand{},
		subs: map[*subscription]struct{}{}, chatCmds: map[int64]map[string][]telego.BotCommand{},
	}
	s.from = &telego.User{ID: cfg.bot.ID, IsBot: true, FirstName: cfg.bot.FirstName, Username: cfg.bot.Username}
	s.stats = Stats{Calls: map[string]int{}, Errors: map[int]int{}}
	s.table = s.routes()
	if !cfg.listen {
		close(s.served)
		return s
	}
	s.start()
	return s
}

func (s *Server) start() {
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: listen on %s: %v", s.cfg.addr, err))
	}
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		_ = s.hs.Serve(ln) // ErrServerClosed after Close; nothing else to report to
	}()
}

// URL is the base to give telego.WithAPIServer; empty WithoutListener.
func (s *Server) URL() string { return s.url }

// Token is the token the fake accepts.
func (s *Server) Token() string { return s.cfg.token }

// Bot is the bot's own user, as getMe reports it.
func (s *Server) Bot() telego.User { return s.bot }

// Handler serves the Bot API. It routes on the last two path segments,
// bot{token}/{method}, so it works mounted under any prefix.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Close wakes pending long polls (they answer with no updates), ends every
// subscription, stops the webhook sender and the HTTP server, and returns
// once all of them have stopped.
func (s *Server) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		subs := make([]*subscription, 0, len(s.subs))
		for sub := range s.subs {
			subs = append(subs, sub)
		}
		s.mu.Unlock()
		s.stopHook()
		for _, sub := range subs {
			sub.cancel()
		}
		if s.hs != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if s.hs.Shutdown(ctx) != nil {
				_ = s.hs.Close() // a handler overran: cut it off
			}
		}
		<-s.served
	})
}

func (s *Server) now() time.Time { return s.cfg.now() }

// signal wakes the goroutines waiting for a change: each waits on a channel
// the next change closes. The channel is made when someone first waits for
// it, so the changes nobody waits for (most of them, under load) cost no
// channel.
type signal struct{ ch chan struct{} }

// waitLocked returns the channel the next change closes.
func (g *signal) waitLocked() <-chan struct{} {
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

// broadcastLocked wakes everyone waiting.
func (g *signal) broadcastLocked() {
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}
