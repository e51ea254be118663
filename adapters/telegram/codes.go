package telegram

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/domain"
)

// Login codes. An anonymous +888 number has no SIM: Telegram sends its
// login codes to fragment.com, where only the operator's account sees them.
// The bot relays them to the number's current holder and to nobody else.
// Every showing is authorized by the number itself, in its own turn
// (Engine.AuthorizeLoginCode, which writes the audit line), so a code never
// reaches a former holder, however old the button they press. Codes are
// never logged: only the number, the person and the error are.
//
// A person who presses before the code has come is put in "waiting for a
// code": one watcher per person and number looks at Fragment every
// CodePoll for CodeWatch and pushes the first new code through the
// person's session. Pressing again while it waits shows what it last saw
// and costs Fragment nothing.

// codesEngine is what the login-code relay asks of the engine: the number,
// which authorizes every showing in its own turn, and the person's rentals
// for /code alone.
type codesEngine interface {
	AuthorizeLoginCode(ctx context.Context, user domain.UserID, raw string) (*domain.Number, error)
	Number(ctx context.Context, raw string) (*domain.Number, error)
	RentalsOf(ctx context.Context, user domain.UserID) (rented, offered []actors.NumberView)
}

var _ codesEngine = (*actors.Engine)(nil)

// LoginCodes is where the bot reads a number's login codes: the operator's
// Fragment account (adapters/fragment), or a fake.
//
// LoginCodes returns the codes Fragment lists for number (canonical,
// "+888…"), newest first, each with the time it arrived (zero when Fragment
// does not say). It is safe for concurrent use and may be slow: the bot
// calls it with a deadline in ctx, from a person's session or a watcher,
// never from an actor, and at most once per CodePoll per person waiting.
// Codes are secrets: an implementation never logs them, and its errors say
// nothing secret (no code, cookie or session token), since the bot logs
// them. A number the operator's account does not hold is an error that
// matches ErrCodesNotOwned; any other error (the session expired, Fragment
// is unavailable or limiting the rate, a reply was not understood) means
// "try again in a minute".
type LoginCodes interface {
	LoginCodes(ctx context.Context, number string) ([]domain.LoginCode, error)
}

// ErrCodesNotOwned is what a LoginCodes error matches when the operator's
// Fragment account does not hold the number: the renter is told to
// contact the operator rather than to try again.
var ErrCodesNotOwned = errors.New("telegram: the operator's Fragment account does not hold the number")

const (
	defaultCodeWatch = 3 * time.Minute  // how long a person waits for a new code
	defaultCodePoll  = 5 * time.Second  // how often Fragment is asked meanwhile
	codeFetchTimeout = 15 * time.Second // one look at Fragment
)

func (b *Bot) codeWatch() time.Duration { return orDuration(b.cfg.CodeWatch, defaultCodeWatch) }
func (b *Bot) codePoll() time.Duration  { return orDuration(b.cfg.CodePoll, defaultCodePoll) }

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// --- pressing ------------------------------------------------------------

// loginCode is the "🔑 Login code" button and /code: the latest code of a
// number the person rents, and a wait for a new one if none came since they
// pressed.
func (s *session) loginCode(msgID int, id string) {
	if !s.allowed(ActOperation) {
		return
	}
	if s.bot.cfg.Codes == nil {
		s.codesOff(msgID, id)
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	n, err := s.bot.eng.AuthorizeLoginCode(ctx, s.user, id)
	if err != nil {
		s.fail(msgID, err)
		return
	}
	if seen, until, ok := s.bot.watches.get(watchKey{s.user, n.ID}); ok {
		s.showCodes(msgID, n, seen, until) // already waiting: Fragment is not asked again
		return
	}
	pressed := time.Now()
	codes, err := s.bot.cfg.Codes.LoginCodes(ctx, n.ID)
	if err != nil {
		s.codesFailed(msgID, n.ID, err)
		return
	}
	var until time.Time
	if !anyAfter(visibleCodes(n, s.user, codes), pressed) {
		until = s.startWatch(n.ID, codes)
	}
	s.showCodes(msgID, n, codes, until)
}

// codesOff answers a press while the relay is off. Ownership is checked
// all the same, so the answer tells a stranger nothing, but without the
// audit line: nothing is shown.
func (s *session) codesOff(msgID int, id string) {
	n, ok := s.numberOr(msgID, id)
	if !ok {
		return
	}
	if err := n.MayReadCodes(s.user); err != nil {
		s.fail(msgID, err)
		return
	}
	s.show(msgID, s.t("code_off"), s.kb(s.row(s.btn("btn_back", "mine", n.ID))))
}

// codesFailed tells the person Fragment did not answer; the log gets the
// error, which by LoginCodes' contract holds no code.
func (s *session) codesFailed(msgID int, id string, err error) {
	s.bot.log.Warn("reading login codes failed", "user", s.user, "number", id, "err", err)
	text := s.t("code_unavailable")
	if errors.Is(err, ErrCodesNotOwned) {
		text = s.t("code_not_owned", "number", id)
	}
	s.show(msgID, text, s.codeKeyboard(id, "mine"))
}

// showCodes shows the latest code the person may see, the wait if one
// runs (until is zero if not), and how to use the code.
func (s *session) showCodes(msgID int, n *domain.Number, codes []domain.LoginCode, until time.Time) {
	text := s.t("code_none", "number", n.ID)
	if vis := visibleCodes(n, s.user, codes); len(vis) > 0 {
		text = s.codeText("code_latest", n.ID, vis[0])
		s.bot.shown.Add(1)
	}
	if !until.IsZero() {
		text += "\n\n" + s.t("code_waiting", "until", until.UTC().Format("15:04:05"))
	}
	s.show(msgID, text+"\n\n"+s.t("code_guide"), s.codeKeyboard(n.ID, "mine"))
}

func (s *session) codeText(key, number string, c domain.LoginCode) string {
	at := s.t("code_at_unknown")
	if !c.At.IsZero() {
		at = c.At.UTC().Format("2006-01-02 15:04:05") + " UTC"
	}
	return s.t(key, "number", number, "code", c.Code, "at", at)
}

// codeKeyboard has the code button again and a way back: to the rental
// card (back "mine") or the menu.
func (s *session) codeKeyboard(number, back string) *telego.InlineKeyboardMarkup {
	b := s.btn("btn_menu", "menu")
	if back == "mine" {
		b = s.btn("btn_back", "mine", number)
	}
	return s.kb(s.row(s.btn("btn_code", "code", number)), s.row(b))
}

// codeCommand is /code +888…, or /code alone for the one number the
// person rents; with several, it asks which.
func (s *session) codeCommand(arg string) {
	if arg != "" {
		id, err := domain.ParseNumber(arg)
		if err != nil {
			s.fail(0, err)
			return
		}
		s.loginCode(0, id)
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	rented, _ := s.bot.eng.RentalsOf(ctx, s.user)
	var ids []string
	for _, v := range rented {
		if v.Status == domain.StatusRented {
			ids = append(ids, v.ID)
		}
	}
	switch len(ids) {
	case 0:
		s.send(s.t("my_empty"), s.menuKeyboard())
	case 1:
		s.loginCode(0, ids[0])
	default:
		var rows [][]telego.InlineKeyboardButton
		for _, id := range ids {
			rows = append(rows, s.row(s.btnText(s.t("btn_code")+" · "+id, "code", id)))
		}
		s.send(s.t("code_which"), s.kb(append(rows, s.row(s.btn("btn_menu", "menu")))...))
	}
}

// --- which codes a holder may see -----------------------------------------

// visibleCodes are the codes user may see of n's, newest first: none that
// came before their holding began (a former holder's), so a code is shown
// only to the holding it was sent in. A code whose time Fragment did not
// say cannot be placed and is shown, after the dated ones.
func visibleCodes(n *domain.Number, user domain.UserID, codes []domain.LoginCode) []domain.LoginCode {
	since := holdingSince(n, user)
	var out []domain.LoginCode
	for _, c := range codes {
		if c.At.IsZero() || !c.At.Before(since) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b domain.LoginCode) int { return b.At.Compare(a.At) })
	return out
}

// holdingSince is when user's current holding of n began: the rental or
// the transfer that made it theirs.
func holdingSince(n *domain.Number, user domain.UserID) time.Time {
	if k := len(n.History); k > 0 && n.History[k-1].User == user && n.History[k-1].To.IsZero() {
		return n.History[k-1].From
	}
	if n.Rental != nil {
		return n.Rental.Since
	}
	return time.Time{}
}

func anyAfter(codes []domain.LoginCode, t time.Time) bool {
	return slices.ContainsFunc(codes, func(c domain.LoginCode) bool { return c.At.After(t) })
}

// --- waiting for a code ----------------------------------------------------

// watchKey names a wait: one per bot, person and number.
type watchKey struct {
	user   domain.UserID
	number string
}

// codeWatch is one person's wait for a new code to one number.
type codeWatch struct {
	key    watchKey
	until  time.Time
	known  map[codeID]bool    // the codes listed when they pressed: not new; the watcher's own
	seen   []domain.LoginCode // the codes listed last, for a press while waiting; under watches.mu
	warned bool               // a failed look was logged; later ones are not
}

// codeID tells codes apart without comparing time.Time's representation.
type codeID struct {
	code string
	at   int64
}

func codeIDOf(c domain.LoginCode) codeID { return codeID{c.Code, c.At.UnixNano()} }

// codeWatches are the waits running, one per person and number.
type codeWatches struct {
	mu sync.Mutex
	m  map[watchKey]*codeWatch
}

// start registers w, unless a wait for its key runs already.
func (ws *codeWatches) start(w *codeWatch) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.m == nil {
		ws.m = map[watchKey]*codeWatch{}
	}
	if _, ok := ws.m[w.key]; ok {
		return false
	}
	ws.m[w.key] = w
	return true
}

// get returns what the wait for k saw last and when it ends, if one runs.
func (ws *codeWatches) get(k watchKey) ([]domain.LoginCode, time.Time, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	w, ok := ws.m[k]
	if !ok {
		return nil, time.Time{}, false
	}
	return w.seen, w.until, true
}

func (ws *codeWatches) saw(w *codeWatch, codes []domain.LoginCode) {
	ws.mu.Lock()
	w.seen = codes
	ws.mu.Unlock()
}

func (ws *codeWatches) stop(w *codeWatch) {
	ws.mu.Lock()
	if ws.m[w.key] == w {
		delete(ws.m, w.key)
	}
	ws.mu.Unlock()
}

// startWatch starts waiting for a code to number that is not in codes, and
// returns when the wait ends. It runs in the person's session, which holds
// the bot's WaitGroup, so adding to it cannot race with Close's Wait.
func (s *session) startWatch(number string, codes []domain.LoginCode) time.Time {
	w := &codeWatch{key: watchKey{s.user, number}, until: time.Now().Add(s.bot.codeWatch()),
		known: map[codeID]bool{}, seen: codes}
	for _, c := range codes {
		w.known[codeIDOf(c)] = true
	}
	if !s.bot.watches.start(w) {
		_, until, _ := s.bot.watches.get(w.key)
		return until
	}
	s.bot.wg.Add(1)
	go s.bot.watchCodes(w)
	return w.until
}

// watchCodes looks at Fragment every CodePoll until a new code comes, the
// wait ends (said once), the person no longer holds the number, or the bot
// closes. What it has to say goes through the person's session, in order.
func (b *Bot) watchCodes(w *codeWatch) {
	defer b.wg.Done()
	defer b.watches.stop(w)
	tick := time.NewTicker(b.codePoll())
	defer tick.Stop()
	end := time.NewTimer(time.Until(w.until))
	defer end.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-end.C:
			b.enqueue(int64(w.key.user), true, func(s *session) { s.codeWaitOver(w.key.number) })
			return
		case <-tick.C:
			if b.lookForCode(w) {
				return
			}
		}
	}
}

// lookForCode looks once, and reports whether the wait is over: a new code
// was handed to the session, or the person no longer holds the number.
// Holding is read first (no audit line: nothing is shown yet), so a former
// holder costs Fragment nothing; the session authorizes again before it
// shows the code.
func (b *Bot) lookForCode(w *codeWatch) bool {
	ctx, cancel := context.WithTimeout(b.ctx, codeFetchTimeout)
	defer cancel()
	n, err := b.eng.Number(ctx, w.key.number)
	if err != nil {
		return false // the engine is busy or closing: the wait is bounded anyway
	}
	if n.MayReadCodes(w.key.user) != nil {
		return true
	}
	codes, err := b.cfg.Codes.LoginCodes(ctx, w.key.number)
	if err != nil {
		if !w.warned {
			b.log.Warn("reading login codes failed while waiting", "user", w.key.user, "number", w.key.number, "err", err)
			w.warned = true
		}
		return false
	}
	b.watches.saw(w, codes)
	for _, c := range visibleCodes(n, w.key.user, codes) {
		if !w.known[codeIDOf(c)] {
			b.enqueue(int64(w.key.user), true, func(s *session) { s.pushCode(w.key.number, c) })
			return true
		}
	}
	return false
}

// pushCode shows a code the watcher found, after the number authorizes
// the person once more: the rental may have ended or moved meanwhile.
func (s *session) pushCode(number string, c domain.LoginCode) {
	if s.lang == "" {
		s.start(telego.User{ID: int64(s.user)})
	}
	ctx, cancel := s.ctx()
	defer cancel()
	n, err := s.bot.eng.AuthorizeLoginCode(ctx, s.user, number)
	if err == nil && len(visibleCodes(n, s.user, []domain.LoginCode{c})) == 0 {
		err = domain.ErrNotRenter // came before this holding began
	}
	if err != nil {
		s.bot.log.Info("a login code was not relayed: the person no longer holds the number",
			"user", s.user, "number", number, "err", err)
		return
	}
	s.bot.shown.Add(1)
	s.send(s.codeText("code_arrived", n.ID, c)+"\n\n"+s.t("code_guide"), s.codeKeyboard(n.ID, "menu"))
}

// codeWaitOver says, once, that no code came while waiting.
func (s *session) codeWaitOver(number string) {
	if s.lang == "" {
		s.start(telego.User{ID: int64(s.user)})
	}
	s.send(s.t("code_wait_over", "number", number), s.codeKeyboard(number, "menu"))
}
