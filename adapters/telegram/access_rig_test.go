package telegram

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mymmrac/telego"

	"allot/actors"
	"allot/adapters/telegram/outbox"
	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// --- who presses ----------------------------------------------------------

// presser is a kind of person pressing buttons.
type presser int

const (
	byStranger      presser = iota // never wrote to the bot
	byCustomer                     // started the bot
	byPendingStaff                 // asked for staff access under a nickname
	byRejectedStaff                // asked, and an admin said no
	byRemovedStaff                 // approved, then removed by an admin
	byStaff                        // approved
	byAdmin                        // the owner: an admin
)

var presserNames = [...]string{"stranger", "customer", "pending staff", "rejected staff", "removed staff", "staff", "admin"}

func (p presser) String() string { return presserNames[p] }

// level is the role access.go grants the presser.
func (p presser) level() role {
	switch p {
	case byStaff:
		return roleStaff
	case byAdmin:
		return roleAdmin
	}
	return roleAnyone
}

// owned is how what the data names relates to the presser.
type owned int

const (
	ownMine   owned = iota // theirs
	ownOthers              // someone else's
	ownNone                // not there at all
	ownMadeUp              // forged: malformed, hugeInt, never issued
)

var ownedNames = [...]string{"own", "others", "none", "made-up"}

var (
	presserUser = telegramtest.User{ID: 2001, FirstName: "Pat", Username: "pat", LanguageCode: "en"}
	otherA      = telegramtest.User{ID: 3001, FirstName: "Ann", Username: "ann", LanguageCode: "en"}
	otherB      = telegramtest.User{ID: 3002, FirstName: "Ben", Username: "ben", LanguageCode: "en"}
)

// --- the rig ----------------------------------------------------------------

// rig is a world with distribution on (the seed's kinds, every pool
// created, VK stock loaded), two approved staff besides the presser, and
// helpers that make fixtures straight in the engine and press any data.
type rig struct {
	*world
	who    presser
	me     telegramtest.User
	kinds  domain.KindsConfig
	cat    catalog
	ahead  atomic.Int64          // the bot's nonce clock runs this far ahead of real time
	next   int                   // for unique numbers, addresses and operation ids
	copies map[string]entityCopy // the last copy of every entity
}

func newRig(t *testing.T, who presser) *rig {
	t.Helper()
	srv := telegramtest.New(telegramtest.WithoutLimits())
	t.Cleanup(srv.Close)
	kinds := seedKinds(t)
	w := newWorldWith(t, srv, t.TempDir(), &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)},
		func(o *actors.Options, c *Config) {
			o.Kinds, c.Kinds = kinds, kinds
			c.Outbox = OutboxOptions{Global: -1, PerChat: -1}
		}, LimitOptions{MessagesPerMin: -1, OperationsPerMin: -1, PaymentsPerMin: -1})
	return rigOn(t, w, kinds, who)
}

// rigOn readies w, whose bot has not handled anything yet, for who to press.
func rigOn(tb testing.TB, w *world, kinds domain.KindsConfig, who presser) *rig {
	tb.Helper()
	x := &rig{world: w, who: who, kinds: kinds, copies: map[string]entityCopy{}}
	w.bot.now = func() time.Time { return time.Now().Add(time.Duration(x.ahead.Load())) }
	cat, err := loadCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	x.cat = cat
	for _, u := range []telegramtest.User{admin, otherA, otherB} {
		x.send(tb, u, "/start")
	}
	x.makeStaff(tb, otherA, domain.ApprovalApproved)
	x.makeStaff(tb, otherB, domain.ApprovalApproved)
	x.stock(tb)
	x.setPresser(tb, who)
	x.footprint(tb)
	return x
}

// setPresser makes the presser what who says, the way people do it: by
// asking for staff access and an admin deciding from the buttons.
func (x *rig) setPresser(t testing.TB, who presser) {
	t.Helper()
	switch who {
	case byStranger:
		x.newStranger()
		return
	case byAdmin:
		x.me = admin
		return
	}
	x.me = presserUser
	x.send(t, x.me, "/start")
	if who == byCustomer {
		return
	}
	id := strconv.FormatInt(x.me.ID, 10)
	request := x.askForStaff(t, x.me, "Pat at work")
	switch who {
	case byRejectedStaff:
		x.pressOn(t, admin, request.ID, x.requestButton(t, request, "srej"))
	case byStaff, byRemovedStaff:
		x.pressOn(t, admin, request.ID, x.requestButton(t, request, "sapv"))
	}
	if who == byRemovedStaff {
		x.press(t, admin, x.confirmation(t, admin, "/whitelist_remove "+id))
	}
	want := map[presser]domain.Approval{byPendingStaff: domain.ApprovalPending, byRejectedStaff: domain.ApprovalRejected,
		byRemovedStaff: domain.ApprovalRemoved, byStaff: domain.ApprovalApproved}[who]
	if u := orFail(x.eng.FindUser(context.Background(), id))(t); u.Approval != want {
		t.Fatalf("%s is %s, want %s", x.me.Username, u.Approval, want)
	}
}

// newStranger is someone who opened the chat but never wrote: the engine
// knows nothing of them.
func (x *rig) newStranger() {
	x.next++
	x.me = telegramtest.User{ID: int64(6000 + x.next), FirstName: "Stranger", LanguageCode: "en"}
	x.srv.AddUser(x.me)
}

func (x *rig) makeStaff(t testing.TB, u telegramtest.User, to domain.Approval) {
	t.Helper()
	if _, err := x.eng.RequestStaff(context.Background(), domain.UserID(u.ID), u.FirstName+" work"); err != nil {
		t.Fatal(err)
	}
	if to != domain.ApprovalPending {
		x.decide(t, u, to)
	}
}

func (x *rig) decide(t testing.TB, u telegramtest.User, to domain.Approval) {
	t.Helper()
	if _, err := x.eng.DecideStaff(context.Background(), owner, domain.UserID(u.ID), to); err != nil {
		t.Fatal(err)
	}
}

// stock creates every pool the kinds allow (empty) and loads male VK
// accounts in region 495.
func (x *rig) stock(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for _, k := range x.kinds.Kinds {
		regions := k.Regions
		if len(regions) == 0 {
			regions = x.kinds.Regions
		}
		variants := k.StockVariants()
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, r := range regions {
			for _, v := range variants {
				if _, err := x.eng.LoadStock(ctx, domain.PoolKey(k.Code, r, v), nil, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	x.load(t, "vk/495/male", 400)
}

// load puts n more rows into pool key (a VK or OK pool of region 495).
func (x *rig) load(t testing.TB, key string, n int) {
	t.Helper()
	var rows [][]string
	var claims []string
	for i := 0; i < n; i++ {
		x.next++
		login := fmt.Sprintf("acc%05d", x.next)
		if strings.HasPrefix(key, "vk/") {
			rows = append(rows, []string{login, "pw", "male", "495"})
		} else {
			rows = append(rows, []string{login, "pw", "495"})
		}
		claims = append(claims, "claim-"+login)
	}
	if loaded, err := x.eng.LoadStock(context.Background(), key, rows, claims); err != nil || loaded != n {
		t.Fatalf("LoadStock %s: %d, %v", key, loaded, err)
	}
}

// --- pressing -----------------------------------------------------------------

// pressed is what a person saw after pressing: the callback query's answer,
// and the carrier as it is now followed by every message sent after it,
// with the data of their buttons.
type pressed struct {
	answer  string
	texts   []string
	buttons []string
}

func (p pressed) String() string {
	return fmt.Sprintf("answer %q, then %q", p.answer, p.texts)
}

// press presses data as u, on a carrier message the bot sends first, and
// returns once the bot has handled the press.
func (x *rig) press(t testing.TB, u telegramtest.User, data string) pressed {
	t.Helper()
	if data == "" || len(data) > MaxCallbackBytes || !utf8.ValidString(data) {
		return x.forged(t, u, data)
	}
	kb := &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{{{Text: carrier, CallbackData: data}}}}
	id, err := x.bot.out.Send(context.Background(), u.ID, outbox.Message{Text: carrier, Keyboard: kb})
	if err != nil {
		t.Fatalf("sending the carrier of %q: %v", data, err)
	}
	return x.pressOn(t, u, id, data)
}

// carrier is the text of the message a forged button is pressed on.
const carrier = "·"

// pressOn presses the button of data on message id of u's chat, as u, and
// returns once the bot has handled the press.
func (x *rig) pressOn(t testing.TB, u telegramtest.User, id int, data string) pressed {
	t.Helper()
	handled := x.bot.handled.count.Load()
	q, err := x.srv.PressButton(u, id, data)
	if err != nil {
		t.Fatalf("pressing %q: %v", data, err)
	}
	x.waitHandled(t, handled)
	var p pressed
	if a, ok := x.srv.Answer(q); ok {
		p.answer = a.Text
	}
	for _, m := range x.srv.Messages(u.ID) {
		if m.ID == id && m.Text != carrier || m.ID > id {
			p.texts = append(p.texts, m.Text)
			for _, b := range m.Buttons() {
				p.buttons = append(p.buttons, b.CallbackData)
			}
		}
	}
	return p
}

// forged delivers data on no message, as only a tampered client can: the
// answer to such a query is lost, so only the messages after it are seen.
func (x *rig) forged(t testing.TB, u telegramtest.User, data string) pressed {
	t.Helper()
	last := lastID(x.srv, u)
	handled := x.bot.handled.count.Load()
	x.forge(u, data)
	x.waitHandled(t, handled)
	var p pressed
	for _, m := range x.srv.Messages(u.ID) {
		if m.ID > last {
			p.texts = append(p.texts, m.Text)
		}
	}
	return p
}

// send makes u send text and returns once the bot has handled it.
func (x *rig) send(t testing.TB, u telegramtest.User, text string) {
	t.Helper()
	handled := x.bot.handled.count.Load()
	x.srv.SendText(u, text)
	x.waitHandled(t, handled)
}

// waitHandled waits until the bot has handled an update more than it had.
func (x *rig) waitHandled(t testing.TB, before uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for x.bot.handled.count.Load() <= before {
		if time.Now().After(deadline) {
			t.Fatal("the bot did not handle the update in 10 s")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// --- what changed ---------------------------------------------------------------

// A footprint is the durable state, by entity: each carries the sequence
// of the last event it applied, so an event shows as a sequence moving; an
// entity that comes to hold state without an event (an empty pool, wallet
// or watcher, kept by every snapshot) shows as a new key. Only entities
// that handled a message since they were last copied are copied again.
type footprint map[string]entityCopy

type entityCopy struct {
	processed uint64 // messages the entity had handled once copied (a copy of an active one is one)
	seq       uint64 // of the last event applied; 0 for a state no event made, or of an unknown kind
	state     any    // nil: the entity holds no state
}

func (x *rig) footprint(t testing.TB) footprint {
	t.Helper()
	ctx := context.Background()
	if err := x.eng.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	f := footprint{}
	after := ""
	for {
		page, next, err := x.eng.Actors(0, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			if a.Kind == domain.KindIntake.String() {
				continue // every update handled is recorded, refused or not: the bot's bookkeeping, not the press's effect
			}
			key := a.Kind + "/" + a.ID
			c, ok := x.copies[key]
			if !ok || c.processed != a.Processed {
				c = x.copyOf(t, a)
				x.copies[key] = c
			}
			if c.state != nil {
				f[key] = c
			}
		}
		if after = next; next == "" {
			return f
		}
	}
}

// copyOf copies an entity. Copying an active one is a message it handles.
func (x *rig) copyOf(t testing.TB, a actors.ActorInfo) entityCopy {
	t.Helper()
	c := entityCopy{processed: a.Processed}
	if a.Active {
		c.processed++
	}
	k, _ := domain.ParseKind(a.Kind)
	v, err := x.eng.Entity(context.Background(), k, a.ID)
	switch {
	case errors.Is(err, actors.ErrNoEntity):
	case err != nil:
		t.Fatal(err)
	default:
		c.state, c.seq = v, seqOf(v)
	}
	return c
}

func seqOf(state any) uint64 {
	switch s := state.(type) {
	case *domain.Number:
		return s.Seq
	case *domain.Wallet:
		return s.Seq
	case *domain.Payments:
		return s.Seq
	case *domain.Users:
		return s.Seq
	case *domain.AuditLog:
		return s.Seq
	case *domain.Catalog:
		return s.Seq
	case *domain.Watcher:
		return s.Seq
	case *domain.Proxy:
		return s.Seq
	case *domain.Pool:
		return s.Seq
	}
	return 0
}

// changesBetween lists the entities whose state differs from before to
// after, leaving out people newly recorded in the directory (strangers
// pressing for the first time) when that is all that changed in a shard.
func changesBetween(before, after footprint, newcomers ...int64) []string {
	var out []string
	for key, a := range after {
		b, ok := before[key]
		switch {
		case !ok:
			out = append(out, key+" (new)")
		case a.seq == 0 && !reflect.DeepEqual(a.state, b.state):
			out = append(out, key)
		case a.seq != b.seq && !onlyNewcomers(b.state, a.state, newcomers):
			out = append(out, key)
		}
	}
	for key := range before {
		if _, ok := after[key]; !ok {
			out = append(out, key+" (gone)")
		}
	}
	slices.Sort(out)
	return out
}

// onlyNewcomers reports whether a users shard differs from before only by
// the records of newcomers.
func onlyNewcomers(before, after any, newcomers []int64) bool {
	b, ok1 := before.(*domain.Users)
	a, ok2 := after.(*domain.Users)
	if !ok1 || !ok2 || len(newcomers) == 0 {
		return false
	}
	trimmed := maps.Clone(a.ByID)
	for _, id := range newcomers {
		if _, had := b.ByID[domain.UserID(id)]; !had {
			delete(trimmed, domain.UserID(id))
		}
	}
	return reflect.DeepEqual(trimmed, b.ByID)
}

// check drains the engine and checks its invariants.
func (x *rig) check(t testing.TB) {
	t.Helper()
	if err := x.eng.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := x.eng.Check(); err != nil {
		t.Fatalf("invariants: %v", err)
	}
}
