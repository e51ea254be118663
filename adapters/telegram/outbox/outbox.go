// Package outbox is the one way the bot talks to Telegram: it keeps under
// Telegram's flood limits, splits texts too long for one message, retries
// what Telegram asks to be retried, and turns edits of vanished messages
// into new messages, so that the screens can simply say what a person
// should see. It knows telego and the Bot API (botapi), and nothing of
// the bot's own: no screens, no texts, no engine.
package outbox

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"
	"golang.org/x/time/rate"

	"allot/adapters/telegram/botapi"
)

// ErrBlocked is wrapped in the error of a call Telegram refused with 403: the
// person blocked the bot, deleted their account or never started it. Nothing
// can reach them until they write again, so callers stop trying and do not
// log it as a fault.
var ErrBlocked = errors.New("outbox: the person does not accept messages from the bot")

// Telegram's size limits, in characters after HTML parsing.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
	maxAnswerLen  = 200
)

const (
	floodMargin    = 0.05                   // the outbox runs this much under the configured rates
	chatIdle       = time.Minute            // a chat's limiter is forgotten after this long unused
	backoffFirst   = 100 * time.Millisecond // first wait after a 5xx; it doubles per retry
	backoffLongest = 3 * time.Second
)

// Message is one message as the bot wants it shown. Text is HTML (parse mode
// HTML), so anything a person typed must be escaped before it gets here.
type Message struct {
	Text      string                       // HTML parse mode
	Keyboard  *telego.InlineKeyboardMarkup // nil: none
	Photo     []byte                       // PNG; when set, Text is its caption if it fits in 1024 characters, else a following message
	PhotoName string                       // file name of Photo; "" means "photo.png"
}

// Options are the outbox's flood limits. Telegram answers 429 past
// about 30 messages a second overall and about one a second per chat, and a
// bot that hits 429 often gets longer bans; staying under is cheaper than
// retrying. The outbox runs 5% under these rates: Telegram's clock starts
// when a message arrives, ours when it leaves, and a few milliseconds of
// jitter at the exact rate would cost a whole second of retry_after.
// Zero fields take the defaults; a negative rate switches that limit off
// (for load tests against the fake without limits).
type Options struct {
	Global      float64 // messages per second overall; default 30
	GlobalBurst int     // default 30
	PerChat     float64 // per chat per second; default 1
	ChatBurst   int     // default 3
	MaxRetries  int     // 429/5xx retries per call; default 5, negative none
}

func (o Options) withDefaults() Options {
	o.Global = cmp.Or(o.Global, 30)
	o.PerChat = cmp.Or(o.PerChat, 1)
	o.GlobalBurst = max(cmp.Or(o.GlobalBurst, 30), 1)
	o.ChatBurst = max(cmp.Or(o.ChatBurst, 3), 1)
	o.MaxRetries = cmp.Or(o.MaxRetries, 5)
	return o
}

// rateLimit turns a per-second rate from the options into a rate.Limit, negative
// meaning no limit.
func rateLimit(perSec float64) rate.Limit {
	if perSec < 0 {
		return rate.Inf
	}
	return rate.Limit(perSec)
}

// Stats counts what the outbox did, for metrics and the load test's
// report: 429s show the limits are set too high, Failed that people miss
// messages.
type Stats struct{ Sent, Edited, Answered, TooManyRequests, Retries, Failed uint64 }

// Outbox is the one way the bot talks to Telegram. It keeps under Telegram's
// flood limits, splits what is too long, retries what Telegram asks to be
// retried and turns edits of vanished messages into new messages, so the
// handlers can simply say what a person should see. It is safe for
// concurrent use; every wait ends as soon as its ctx is done.
type Outbox struct {
	bot    *telego.Bot    // photos, which go as multipart
	api    *botapi.Client // everything else: sends, edits and answers
	opts   Options
	log    *slog.Logger
	now    func() time.Time // for forgetting idle chats; tests move it
	global *rate.Limiter
	// gate is held while taking tokens: the one holder waits for the global
	// token and the others queue in order behind it, instead of all waking
	// each time a token arrives.
	gate chan struct{}

	mu    sync.Mutex
	chats map[int64]*chatLimiter
	idle  time.Duration // how long a chat stays unused before it is forgotten
	swept time.Time

	sent, edited, answered, tooMany, retries, failed atomic.Uint64
	troubleAt                                        atomic.Int64 // unix ns of the last 429 or failure; 0 never
}

// chatLimiter is one chat's flood limit and who is using it.
type chatLimiter struct {
	lim  *rate.Limiter
	busy int       // calls holding it: a busy chat is never forgotten
	last time.Time // when the last call let go of it
}

// New returns an outbox sending through api, and photos through bot (the
// same bot's). A nil log discards.
func New(bot *telego.Bot, api *botapi.Client, opts Options, log *slog.Logger) *Outbox {
	opts = opts.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	idle := chatIdle
	if opts.PerChat > 0 { // a forgotten chat starts full: forget only chats that have refilled
		idle = max(idle, time.Duration(float64(opts.ChatBurst)/opts.PerChat*float64(time.Second)))
	}
	return &Outbox{
		bot: bot, api: api, opts: opts, log: log, now: time.Now,
		global: rate.NewLimiter(rateLimit(opts.Global*(1-floodMargin)), opts.GlobalBurst),
		gate:   make(chan struct{}, 1),
		chats:  map[int64]*chatLimiter{}, idle: idle,
	}
}

// Stats returns the counters so far.
func (o *Outbox) Stats() Stats {
	return Stats{
		Sent: o.sent.Load(), Edited: o.edited.Load(), Answered: o.answered.Load(),
		TooManyRequests: o.tooMany.Load(), Retries: o.retries.Load(), Failed: o.failed.Load(),
	}
}

// Send shows m in chatID as new messages and returns the ID of the last one,
// which carries the keyboard. It waits for the flood limits first. A text
// longer than Telegram takes goes in several messages (see splitHTML); a
// photo whose text does not fit its caption is followed by the text. On an
// error some parts may have been sent already.
func (o *Outbox) Send(ctx context.Context, chatID int64, m Message) (messageID int, err error) {
	c := o.acquire(chatID)
	defer o.release(c)
	id, err := o.send(ctx, chatID, c.lim, m)
	if err != nil {
		o.trouble()
		return 0, err
	}
	return id, nil
}

func (o *Outbox) send(ctx context.Context, chatID int64, lim *rate.Limiter, m Message) (int, error) {
	text := m.Text
	if m.Photo != nil {
		caption, kb := "", (*telego.InlineKeyboardMarkup)(nil)
		if fitsHTML(text, maxCaptionLen) {
			caption, kb, text = text, m.Keyboard, ""
		}
		id, err := o.sendPhoto(ctx, chatID, lim, m, caption, kb)
		if err != nil || text == "" {
			return id, err
		}
	}
	parts := splitHTML(text, maxTextLen)
	var id int
	for i, part := range parts {
		var kb *telego.InlineKeyboardMarkup
		if i == len(parts)-1 {
			kb = m.Keyboard
		}
		var err error
		if id, err = o.sendText(ctx, chatID, lim, part, kb); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (o *Outbox) sendText(ctx context.Context, chatID int64, lim *rate.Limiter, text string, kb *telego.InlineKeyboardMarkup) (int, error) {
	p := &telego.SendMessageParams{ChatID: telego.ChatID{ID: chatID}, Text: text, ParseMode: telego.ModeHTML}
	if kb != nil { // a nil pointer in the interface would go out as "reply_markup":null
		p.ReplyMarkup = kb
	}
	return o.message(ctx, lim, "sendMessage", func() (int, error) {
		var sent struct {
			MessageID int `json:"message_id"`
		}
		err := o.call(ctx, "sendMessage", p, &sent)
		return sent.MessageID, err
	})
}

func (o *Outbox) sendPhoto(ctx context.Context, chatID int64, lim *rate.Limiter, m Message, caption string, kb *telego.InlineKeyboardMarkup) (int, error) {
	name := m.PhotoName
	if name == "" {
		name = "photo.png"
	}
	return o.message(ctx, lim, "sendPhoto", func() (int, error) {
		p := &telego.SendPhotoParams{
			ChatID: telego.ChatID{ID: chatID}, Caption: caption, ParseMode: telego.ModeHTML,
			Photo: tu.FileFromReader(bytes.NewReader(m.Photo), name), // a fresh reader for every attempt
		}
		if kb != nil {
			p.ReplyMarkup = kb
		}
		msg, err := o.bot.SendPhoto(ctx, p)
		if err != nil {
			return 0, err
		}
		return msg.MessageID, nil
	})
}

// message sends one message past both flood limits.
func (o *Outbox) message(ctx context.Context, lim *rate.Limiter, method string, call func() (int, error)) (int, error) {
	if err := o.admit(ctx, lim); err != nil {
		return 0, err
	}
	var id int
	err := o.do(ctx, method, func() (err error) {
		id, err = call()
		return err
	})
	if err != nil {
		return 0, err
	}
	o.sent.Add(1)
	return id, nil
}

// call makes one call directly and decodes its answer into result, nil
// when nobody reads it (an edit's answer is the whole edited message).
func (o *Outbox) call(ctx context.Context, method string, params, result any) error {
	body, err := encode(params)
	if err != nil {
		return err
	}
	return o.api.Call(ctx, method, body, result)
}

// Edit changes message messageID in chatID to show m and returns the ID that
// now shows it: messageID, or a new message's ID when editing cannot work —
// the message is gone or too old, m has a photo (a text cannot become one),
// m does not fit one message, or messageID is 0. An edit that changes
// nothing succeeds.
//
// Edits wait for the global limit but not the chat's: Telegram counts them
// far more loosely than new messages, and a menu that reacts to a button
// should not queue behind a chat's earlier messages.
func (o *Outbox) Edit(ctx context.Context, chatID int64, messageID int, m Message) (newID int, err error) {
	if m.Photo != nil || messageID <= 0 || !fitsHTML(m.Text, maxTextLen) {
		return o.Send(ctx, chatID, m)
	}
	err = o.edit(ctx, chatID, messageID, m)
	switch {
	case err == nil || apiSays(err, "message is not modified"):
		o.edited.Add(1)
		return messageID, nil
	case apiSays(err, "message to edit not found", "message can't be edited", "there is no text in the message to edit"):
		o.log.Debug("telegram: sending instead of editing", "chat", chatID, "message", messageID, "err", err)
		return o.Send(ctx, chatID, m)
	}
	o.trouble()
	return 0, err
}

func (o *Outbox) edit(ctx context.Context, chatID int64, messageID int, m Message) error {
	if err := o.admit(ctx, nil); err != nil {
		return err
	}
	p := &telego.EditMessageTextParams{
		ChatID: telego.ChatID{ID: chatID}, MessageID: messageID, Text: m.Text, ParseMode: telego.ModeHTML,
		ReplyMarkup: m.Keyboard, // none removes the keyboard, as on Telegram
	}
	return o.do(ctx, "editMessageText", func() error { return o.call(ctx, "editMessageText", p, nil) })
}

// Answer answers a callback query, which stops the spinner on the button the
// person pressed; every callback must be answered, so the caller always
// calls it. Text (≤ 200 characters, cut with "…") shows as a toast, or as a
// dialog when alert is set. A query that is too old or already answered is
// not a failure: the person pressed the button long ago or twice.
// Answers do not wait for the flood limits: Telegram does not count them.
func (o *Outbox) Answer(ctx context.Context, queryID, text string, alert bool) error {
	p := &telego.AnswerCallbackQueryParams{CallbackQueryID: queryID, Text: truncateRunes(text, maxAnswerLen), ShowAlert: alert}
	err := o.do(ctx, "answerCallbackQuery", func() error { return o.call(ctx, "answerCallbackQuery", p, nil) })
	switch {
	case err == nil:
		o.answered.Add(1)
		return nil
	case apiSays(err, "query is too old", "query ID is invalid"):
		o.log.Debug("telegram: callback query expired", "query", queryID, "err", err)
		return nil
	}
	o.trouble()
	return err
}

// trouble counts a call that failed for good and remembers when, for the
// health report.
func (o *Outbox) trouble() {
	o.failed.Add(1)
	o.troubleAt.Store(o.now().UnixNano())
}

// Troubled reports whether Telegram refused or failed a call (for good, or
// with 429 Too Many Requests) within the last d.
func (o *Outbox) Troubled(d time.Duration) bool {
	at := o.troubleAt.Load()
	return at != 0 && o.now().Sub(time.Unix(0, at)) < d
}
