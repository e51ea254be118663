package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
	tu "github.com/mymmrac/telego/telegoutil"
	"golang.org/x/time/rate"
)

// ErrBlocked is wrapped in the error of a call Telegram refused with 403: the
// person blocked the bot, deleted their account or never started it. Nothing
// can reach them until they write again, so callers stop trying and do not
// log it as a fault.
var ErrBlocked = errors.New("telegram: the person does not accept messages from the bot")

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

// Out is one message as the bot wants it shown. Text is HTML (parse mode
// HTML), so anything a person typed must be escaped before it gets here.
type Out struct {
	Text      string                       // HTML parse mode
	Keyboard  *telego.InlineKeyboardMarkup // nil: none
	Photo     []byte                       // PNG; when set, Text is its caption if it fits in 1024 characters, else a following message
	PhotoName string                       // file name of Photo; "" means "photo.png"
}

// OutboxOptions are the outbox's flood limits. Telegram answers 429 past
// about 30 messages a second overall and about one a second per chat, and a
// bot that hits 429 often gets longer bans; staying under is cheaper than
// retrying. The outbox runs 5% under these rates: Telegram's clock starts
// when a message arrives, ours when it leaves, and a few milliseconds of
// jitter at the exact rate would cost a whole second of retry_after.
// Zero fields take the defaults; a negative rate switches that limit off
// (for load tests against the fake without limits).
type OutboxOptions struct {
	Global      float64 // messages per second overall; default 30
	GlobalBurst int     // default 30
	PerChat     float64 // per chat per second; default 1
	ChatBurst   int     // default 3
	MaxRetries  int     // 429/5xx retries per call; default 5, negative none
}

func (o OutboxOptions) withDefaults() OutboxOptions {
	o.Global = orDefault(o.Global, 30)
	o.PerChat = orDefault(o.PerChat, 1)
	o.GlobalBurst = max(orDefault(o.GlobalBurst, 30), 1)
	o.ChatBurst = max(orDefault(o.ChatBurst, 3), 1)
	o.MaxRetries = orDefault(o.MaxRetries, 5)
	return o
}

func orDefault[T int | float64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// rateLimit turns a per-second rate from the options into a rate.Limit, negative
// meaning no limit.
func rateLimit(perSec float64) rate.Limit {
	if perSec < 0 {
		return rate.Inf
	}
	return rate.Limit(perSec)
}

// OutboxStats counts what the outbox did, for metrics and the load test's
// report: 429s show the limits are set too high, Failed that people miss
// messages.
type OutboxStats struct{ Sent, Edited, Answered, TooManyRequests, Retries, Failed uint64 }

// Outbox is the one way the bot talks to Telegram. It keeps under Telegram's
// flood limits, splits what is too long, retries what Telegram asks to be
// retried and turns edits of vanished messages into new messages, so the
// handlers can simply say what a person should see. It is safe for
// concurrent use; every wait ends as soon as its ctx is done.
type Outbox struct {
	bot    *telego.Bot
	opts   OutboxOptions
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

// NewOutbox returns an outbox sending through bot. A nil log discards.
func NewOutbox(bot *telego.Bot, opts OutboxOptions, log *slog.Logger) *Outbox {
	opts = opts.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	idle := chatIdle
	if opts.PerChat > 0 { // a forgotten chat starts full: forget only chats that have refilled
		idle = max(idle, time.Duration(float64(opts.ChatBurst)/opts.PerChat*float64(time.Second)))
	}
	return &Outbox{
		bot: bot, opts: opts, log: log, now: time.Now,
		global: rate.NewLimiter(rateLimit(opts.Global*(1-floodMargin)), opts.GlobalBurst),
		gate:   make(chan struct{}, 1),
		chats:  map[int64]*chatLimiter{}, idle: idle,
	}
}

// Stats returns the counters so far.
func (o *Outbox) Stats() OutboxStats {
	return OutboxStats{
		Sent: o.sent.Load(), Edited: o.edited.Load(), Answered: o.answered.Load(),
		TooManyRequests: o.tooMany.Load(), Retries: o.retries.Load(), Failed: o.failed.Load(),
	}
}

// Send shows m in chatID as new messages and returns the ID of the last one,
// which carries the keyboard. It waits for the flood limits first. A text
// longer than Telegram takes goes in several messages (see splitHTML); a
// photo whose text does not fit its caption is followed by the text. On an
// error some parts may have been sent already.
func (o *Outbox) Send(ctx context.Context, chatID int64, m Out) (messageID int, err error) {
	c := o.acquire(chatID)
	defer o.release(c)
	id, err := o.send(ctx, chatID, c.lim, m)
	if err != nil {
		o.trouble()
		return 0, err
	}
	return id, nil
}

func (o *Outbox) send(ctx context.Context, chatID int64, lim *rate.Limiter, m Out) (int, error) {
	text := m.Text
	if m.Photo != nil {
		caption, kb := "", (*telego.InlineKeyboardMarkup)(nil)
		if htmlLen(text) <= maxCaptionLen {
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
	return o.message(ctx, lim, "sendMessage", func() (*telego.Message, error) { return o.bot.SendMessage(ctx, p) })
}

func (o *Outbox) sendPhoto(ctx context.Context, chatID int64, lim *rate.Limiter, m Out, caption string, kb *telego.InlineKeyboardMarkup) (int, error) {
	name := m.PhotoName
	if name == "" {
		name = "photo.png"
	}
	return o.message(ctx, lim, "sendPhoto", func() (*telego.Message, error) {
		p := &telego.SendPhotoParams{
			ChatID: telego.ChatID{ID: chatID}, Caption: caption, ParseMode: telego.ModeHTML,
			Photo: tu.FileFromReader(bytes.NewReader(m.Photo), name), // a fresh reader for every attempt
		}
		if kb != nil {
			p.ReplyMarkup = kb
		}
		return o.bot.SendPhoto(ctx, p)
	})
}

// message sends one message past both flood limits.
func (o *Outbox) message(ctx context.Context, lim *rate.Limiter, method string, call func() (*telego.Message, error)) (int, error) {
	if err := o.admit(ctx, lim); err != nil {
		return 0, err
	}
	var msg *telego.Message
	err := o.do(ctx, method, func() (err error) {
		msg, err = call()
		return err
	})
	if err != nil {
		return 0, err
	}
	o.sent.Add(1)
	return msg.MessageID, nil
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
func (o *Outbox) Edit(ctx context.Context, chatID int64, messageID int, m Out) (newID int, err error) {
	if m.Photo != nil || messageID <= 0 || htmlLen(m.Text) > maxTextLen {
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

func (o *Outbox) edit(ctx context.Context, chatID int64, messageID int, m Out) error {
	if err := o.admit(ctx, nil); err != nil {
		return err
	}
	p := &telego.EditMessageTextParams{
		ChatID: telego.ChatID{ID: chatID}, MessageID: messageID, Text: m.Text, ParseMode: telego.ModeHTML,
		ReplyMarkup: m.Keyboard, // none removes the keyboard, as on Telegram
	}
	return o.do(ctx, "editMessageText", func() error {
		_, err := o.bot.EditMessageText(ctx, p)
		return err
	})
}

// Answer answers a callback query, which stops the spinner on the button the
// person pressed; every callback must be answered, so the caller always
// calls it. Text (≤ 200 characters, cut with "…") shows as a toast, or as a
// dialog when alert is set. A query that is too old or already answered is
// not a failure: the person pressed the button long ago or twice.
// Answers do not wait for the flood limits: Telegram does not count them.
func (o *Outbox) Answer(ctx context.Context, queryID, text string, alert bool) error {
	p := &telego.AnswerCallbackQueryParams{CallbackQueryID: queryID, Text: truncateRunes(text, maxAnswerLen), ShowAlert: alert}
	err := o.do(ctx, "answerCallbackQuery", func() error { return o.bot.AnswerCallbackQuery(ctx, p) })
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

// truncateRunes cuts s to at most n runes, marking the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// --- flood limits ---------------------------------------------------------

// acquire returns chatID's limiter, marked busy so it is not forgotten while
// in use, and forgets chats idle for a while (at most once per chatIdle).
func (o *Outbox) acquire(chatID int64) *chatLimiter {
	o.mu.Lock()
	defer o.mu.Unlock()
	if now := o.now(); now.Sub(o.swept) >= chatIdle {
		o.swept = now
		for id, c := range o.chats {
			if c.busy == 0 && now.Sub(c.last) > o.idle {
				delete(o.chats, id)
			}
		}
	}
	c := o.chats[chatID]
	if c == nil {
		c = &chatLimiter{lim: rate.NewLimiter(rateLimit(o.opts.PerChat*(1-floodMargin)), o.opts.ChatBurst)}
		o.chats[chatID] = c
	}
	c.busy++
	return c
}

func (o *Outbox) release(c *chatLimiter) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c.busy--
	c.last = o.now()
}

// admit waits until one more message may go out, to the chat whose limiter
// is chat (nil for an edit) and overall, and takes both tokens at the same
// instant: waiting for one and then the other would let messages bunch up
// past the first limit.
func (o *Outbox) admit(ctx context.Context, chat *rate.Limiter) error {
	for {
		if chat != nil {
			if err := waitToken(ctx, chat); err != nil {
				return err
			}
		}
		select {
		case o.gate <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		ok, err := o.take(ctx, chat)
		<-o.gate
		if ok || err != nil {
			return err
		}
	}
}

// take runs holding the gate, so nobody else takes tokens meanwhile. It
// fails (false, nil) when another message to the same chat took the chat's
// token while this one queued.
func (o *Outbox) take(ctx context.Context, chat *rate.Limiter) (bool, error) {
	if err := waitToken(ctx, o.global); err != nil {
		return false, err
	}
	now := time.Now()
	if chat != nil {
		if tokenDelay(chat, now) > 0 {
			return false, nil
		}
		chat.AllowN(now, 1)
	}
	o.global.AllowN(now, 1)
	return true, nil
}

// waitToken waits until lim holds a token, without taking it.
func waitToken(ctx context.Context, lim *rate.Limiter) error {
	for {
		d := tokenDelay(lim, time.Now())
		if d <= 0 {
			return nil
		}
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

func tokenDelay(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if lim.Limit() == rate.Inf || missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(lim.Limit()) * float64(time.Second)))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// --- retries ---------------------------------------------------------------

// do makes one Bot API call, retrying up to MaxRetries times what Telegram
// asks to be retried: a 429 after exactly its retry_after, a 5xx after a
// short backoff. Anything else is returned at once, a 403 wrapping ErrBlocked.
func (o *Outbox) do(ctx context.Context, method string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil {
			return nil
		}
		wait, again := o.retryAfter(err, attempt)
		if !again || attempt >= o.opts.MaxRetries || ctx.Err() != nil {
			return wrapCall(method, err)
		}
		o.retries.Add(1)
		o.log.Debug("telegram: retrying", "method", method, "in", wait, "err", err)
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
	}
}

// retryAfter says whether err is worth another attempt and after how long.
// telego returns a 5xx as a plain error, "internal server error: NNN", as
// it does not read the body of one.
func (o *Outbox) retryAfter(err error, attempt int) (time.Duration, bool) {
	var api *ta.Error
	switch {
	case errors.As(err, &api) && api.ErrorCode == 429:
		o.tooMany.Add(1)
		o.troubleAt.Store(o.now().UnixNano())
		secs := 1
		if api.Parameters != nil && api.Parameters.RetryAfter > 0 {
			secs = api.Parameters.RetryAfter
		}
		o.log.Info("telegram: flood control", "retry_after", secs)
		return time.Duration(secs) * time.Second, true
	case api != nil && api.ErrorCode < 500:
		return 0, false
	case api != nil || strings.Contains(err.Error(), "internal server error: "):
		return min(backoffFirst<<min(attempt, 8), backoffLongest), true
	}
	return 0, false
}

func wrapCall(method string, err error) error {
	var api *ta.Error
	if errors.As(err, &api) && api.ErrorCode == 403 {
		return fmt.Errorf("%s: %w: %w", method, ErrBlocked, err)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// apiSays reports whether err is a 400 from Telegram whose description
// contains one of phrases. Telegram has no codes finer than the HTTP status,
// so its wording is all there is to go on.
func apiSays(err error, phrases ...string) bool {
	var api *ta.Error
	if !errors.As(err, &api) || api.ErrorCode != 400 {
		return false
	}
	for _, p := range phrases {
		if strings.Contains(api.Description, p) {
			return true
		}
	}
	return false
}

// --- splitting long texts ----------------------------------------------------

// htmlToken is one unit of an HTML text: a tag, which shows nothing; a
// character reference such as "&amp;", which shows one character; or one
// other character.
type htmlToken struct {
	text    string
	tag     string // lower-case name of a tag; "" for the others
	closing bool   // a tag that starts "</"
}

func (t htmlToken) visible() bool { return t.tag == "" }

// tokenizeHTML cuts s into tokens. A "<" without a ">" and a "&" that does
// not start a reference stand for themselves: Telegram will refuse the
// text anyway, and splitting must not lose it.
func tokenizeHTML(s string) []htmlToken {
	toks := make([]htmlToken, 0, len(s))
	for i := 0; i < len(s); {
		n := 0
		switch s[i] {
		case '<':
			n = strings.IndexByte(s[i:], '>') + 1
		case '&':
			n = referenceLen(s[i:])
		}
		if n <= 0 {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		t := htmlToken{text: s[i : i+n]}
		if s[i] == '<' && n > 1 {
			t.tag, t.closing = tagName(t.text)
		}
		toks = append(toks, t)
		i += n
	}
	return toks
}

// referenceLen is the length of the character reference ("&lt;", "&#60;")
// s starts with, or 0.
func referenceLen(s string) int {
	for i := 1; i < len(s) && i < 32; i++ {
		c := s[i]
		switch {
		case c == ';':
			if i == 1 {
				return 0
			}
			return i + 1
		case c != '#' && (c < '0' || c > '9') && (c|0x20 < 'a' || c|0x20 > 'z'):
			return 0
		}
	}
	return 0
}

// tagName reads the name of tag "<b>", "</a>" or `<a href="...">`.
func tagName(tag string) (name string, closing bool) {
	inner := strings.TrimPrefix(tag[1:len(tag)-1], "/")
	closing = len(inner) < len(tag)-2
	end := strings.IndexFunc(inner, func(r rune) bool { return unicode.IsSpace(r) || r == '/' })
	if end < 0 {
		end = len(inner)
	}
	if end == 0 { // "<>" or "< b>": not a tag Telegram knows; keep it as text
		return "?", closing
	}
	return strings.ToLower(inner[:end]), closing
}

// htmlLen is the length of s as Telegram counts it: in characters after
// parsing (Unicode code points; tags count nothing, a reference one).
func htmlLen(s string) int {
	if !strings.ContainsAny(s, "<&") {
		return utf8.RuneCountInString(s)
	}
	n := 0
	for _, t := range tokenizeHTML(s) {
		if t.visible() {
			n++
		}
	}
	return n
}

// splitHTML cuts an HTML text into parts of at most limit characters as
// htmlLen counts them. It cuts at the last line break that fits (the break
// itself is dropped) and, in a line too long for one part, between
// characters, never inside a tag or a character reference (it may split an
// emoji built from several code points). Tags open at a cut are closed at
// the end of one part and opened again, attributes and all, at the start of
// the next, so every part parses on its own. Parts with nothing but spaces
// are left out, as Telegram refuses them.
func splitHTML(s string, limit int) []string {
	if utf8.RuneCountInString(s) <= limit {
		return []string{s}
	}
	toks := tokenizeHTML(s)
	var parts []string
	var open, startOpen, breakOpen []htmlToken // tags open now, at the part's start, at the last break
	start, count, lastBreak := 0, 0, -1
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.visible() && count == limit {
			end, next, endOpen := i, i, open
			if t.text == "\n" {
				next = i + 1
			} else if lastBreak >= 0 {
				end, next, endOpen = lastBreak, lastBreak+1, breakOpen
			}
			parts = appendPart(parts, toks[start:end], startOpen, endOpen)
			startOpen, open = cloneTags(endOpen), cloneTags(endOpen)
			start, count, lastBreak = next, 0, -1
			i = next - 1
			continue
		}
		switch {
		case !t.visible():
			open = applyTag(open, t)
		case t.text == "\n" && count > 0:
			lastBreak, breakOpen = i, cloneTags(open)
		}
		if t.visible() {
			count++
		}
	}
	parts = appendPart(parts, toks[start:], startOpen, open)
	if len(parts) == 0 {
		return []string{s} // all spaces: let Telegram say what it thinks
	}
	return parts
}

func cloneTags(toks []htmlToken) []htmlToken { return append([]htmlToken(nil), toks...) }

// applyTag updates the stack of open tags for tag t. A closing tag closes
// the innermost open tag of its name and those inside it; one that closes
// nothing is ignored.
func applyTag(open []htmlToken, t htmlToken) []htmlToken {
	if t.tag == "?" {
		return open
	}
	if !t.closing {
		return append(open, t)
	}
	for j := len(open) - 1; j >= 0; j-- {
		if open[j].tag == t.tag {
			return open[:j]
		}
	}
	return open
}

// appendPart appends the part made of body, with the tags open at its start
// opened first and those still open at its end closed, unless it shows
// nothing but spaces.
func appendPart(parts []string, body, startOpen, endOpen []htmlToken) []string {
	blank := true
	for _, t := range body {
		if t.visible() && strings.TrimSpace(t.text) != "" {
			blank = false
			break
		}
	}
	if blank {
		return parts
	}
	var b strings.Builder
	for _, t := range startOpen {
		b.WriteString(t.text)
	}
	for _, t := range body {
		b.WriteString(t.text)
	}
	for j := len(endOpen) - 1; j >= 0; j-- {
		b.WriteString("</" + endOpen[j].tag + ">")
	}
	return append(parts, b.String())
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
