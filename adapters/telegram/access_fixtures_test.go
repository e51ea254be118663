package telegram

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/domain"
)

// --- texts --------------------------------------------------------------------

var (
	htmlTag         = regexp.MustCompile(`<[^>]*>`)
	textPlaceholder = regexp.MustCompile(`\{[a-z_]+\}`)
)

// fragments are text key in lang as a person reads it, cut at its
// placeholders.
func (x *rig) fragments(lang, key string) []string {
	var out []string
	for _, f := range textPlaceholder.Split(x.cat.T(lang, key), -1) {
		if f = strings.TrimSpace(html.UnescapeString(htmlTag.ReplaceAllString(f, ""))); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// is reports whether s is text key, in any language.
func (x *rig) is(s, key string) bool {
	for _, l := range Langs {
		if f := x.fragments(l, key); len(f) == 1 && s == f[0] {
			return true
		}
	}
	return false
}

// shows reports whether one of texts holds one of keys, in any language.
func (x *rig) shows(texts []string, keys ...string) bool {
	for _, s := range texts {
		for _, k := range keys {
			for _, l := range Langs {
				if holdsAll(s, x.fragments(l, k)) {
					return true
				}
			}
		}
	}
	return false
}

func holdsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return len(parts) > 0
}

// --- fixtures, made straight in the engine --------------------------------------

func (x *rig) op() domain.OpID { x.next++; return domain.OpID("fixture:" + strconv.Itoa(x.next)) }

func (x *rig) nonce() string { return newNonce(x.bot.now()) }

func idOf(u telegramtest.User) domain.UserID { return domain.UserID(u.ID) }

// orFail is v, or the test ends on err.
func orFail[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// number adds a free number.
func (x *rig) number(t testing.TB) string {
	t.Helper()
	x.next++
	return orFail(x.eng.AddNumber(context.Background(), owner, fmt.Sprintf("+888%08d", 10000+x.next)))(t)
}

// fund credits u with ton.
func (x *rig) fund(t testing.TB, u telegramtest.User, ton int64) {
	t.Helper()
	orFail(x.eng.AdjustBalance(context.Background(), x.op(), owner, idOf(u), domain.TON(ton), "fixture"))(t)
}

// rented is a number u rents for 30 days.
func (x *rig) rented(t testing.TB, u telegramtest.User) string {
	t.Helper()
	n := x.number(t)
	x.fund(t, u, 20)
	orFail(x.eng.RentFromBalance(context.Background(), x.op(), idOf(u), n, 30))(t)
	return n
}

// offered is a number from rents and has offered to to.
func (x *rig) offered(t testing.TB, from, to telegramtest.User) string {
	t.Helper()
	n := x.rented(t, from)
	orFail(x.eng.OfferTransfer(context.Background(), x.op(), idOf(from), n, strconv.FormatInt(to.ID, 10)))(t)
	return n
}

// invoice is the code of an open top-up invoice of u's.
func (x *rig) invoice(t testing.TB, u telegramtest.User) string {
	t.Helper()
	return orFail(x.eng.OpenTopUpInvoice(context.Background(), x.op(), idOf(u), domain.TON(1)))(t).Code
}

// item is the id of a VK account issued to u and awaiting feedback.
func (x *rig) item(t testing.TB, u telegramtest.User) string {
	t.Helper()
	return orFail(x.eng.IssueStock(context.Background(), x.op(), idOf(u), "vk", "495", "male", 1))(t)[0].ID
}

// blocked is an item of u's that u reported blocked: owed a replacement.
func (x *rig) blocked(t testing.TB, u telegramtest.User) string {
	t.Helper()
	id := x.item(t, u)
	orFail(x.eng.StockFeedback(context.Background(), idOf(u), id, "blocked"))(t)
	return id
}

// proxy adds an available proxy for VK and returns its ref and id.
func (x *rig) proxy(t testing.TB) (ref, id string) {
	t.Helper()
	x.next++
	addr := orFail(domain.ParseProxy(fmt.Sprintf("10.%d.%d.1:3128", x.next/250, x.next%250)))(t)
	p := orFail(x.eng.AddProxy(context.Background(), owner, domain.ProxySpec{Type: domain.ProxyHTTP, Addr: addr,
		Resources: []string{"vk"}, Country: "NL", Days: 10}))(t)
	return domain.ProxyRef(p.ID), p.ID
}

// held is the ref of a proxy u holds.
func (x *rig) held(t testing.TB, u telegramtest.User) string {
	t.Helper()
	ref, id := x.proxy(t)
	orFail(x.eng.ReserveProxy(context.Background(), idOf(u), id))(t)
	return ref
}

// requester is a person who started the bot and asked for staff access;
// their id is above base (4000 if 0).
func (x *rig) requester(t testing.TB, base int64) telegramtest.User {
	t.Helper()
	x.next++
	u := telegramtest.User{ID: cmp.Or(base, 4000) + int64(x.next), FirstName: "Req" + strconv.Itoa(x.next), LanguageCode: "en"}
	if err := x.eng.SeeUser(context.Background(), domain.User{ID: idOf(u), Name: u.FirstName, Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	x.makeStaff(t, u, domain.ApprovalPending)
	return u
}

// decision is the data of an admin's button (sapv or srej) for u's
// request as it stands.
func (x *rig) decision(t testing.TB, action string, u telegramtest.User) string {
	t.Helper()
	id := strconv.FormatInt(u.ID, 10)
	return cbData(action, id, strconv.Itoa(orFail(x.eng.FindUser(context.Background(), id))(t).Requests))
}

// askForStaff has u ask for staff access under nickname, the way people
// do, and returns the message that asks the admin to decide: its buttons
// carry u's id and the number of u's request.
func (x *rig) askForStaff(t testing.TB, u telegramtest.User, nickname string) telegramtest.Message {
	t.Helper()
	x.press(t, u, cbData("st"))
	x.send(t, u, nickname)
	want := x.decision(t, "sapv", u)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := x.srv.WaitFor(ctx, admin.ID, func(m telegramtest.Message) bool {
		return m.Text != carrier && slices.Contains(buttonData(m), want)
	})
	if err != nil {
		t.Fatalf("the admin was never asked to decide with %q: %v", want, err)
	}
	return m
}

// requestButton is the data of m's button of action (sapv or srej).
func (x *rig) requestButton(t testing.TB, m telegramtest.Message, action string) string {
	t.Helper()
	for _, d := range buttonData(m) {
		if strings.HasPrefix(d, cbData(action)+":") {
			return d
		}
	}
	t.Fatalf("no %s button on %q: %q", action, m.Text, buttonData(m))
	return ""
}

func buttonData(m telegramtest.Message) []string {
	var out []string
	for _, b := range m.Buttons() {
		out = append(out, b.CallbackData)
	}
	return out
}

// staffLike reports whether the presser may walk the staff's screens.
func (x *rig) staffLike() bool { return x.who.level() >= roleStaff }

// walk presses each of datas as the presser, in order.
func (x *rig) walk(t testing.TB, datas ...string) {
	t.Helper()
	for _, d := range datas {
		x.press(t, x.me, d)
	}
}

// draftAdd leaves the presser with a proxy ready to be added but for its days.
func (x *rig) draftAdd(t testing.TB) {
	t.Helper()
	x.walk(t, "1:pxa", "1:pxt:h")
	x.next++
	x.send(t, x.me, fmt.Sprintf("10.200.%d.%d:8080", x.next/250, x.next%250))
	x.send(t, x.me, "NL")
	x.walk(t, "1:pxr:vk", "1:pxr:.")
}

// confirmation has u run command, which asks for confirmation, and returns
// the data of its confirm button.
func (x *rig) confirmation(t testing.TB, u telegramtest.User, command string) string {
	t.Helper()
	x.send(t, u, command)
	ms := x.srv.Messages(u.ID)
	for _, b := range ms[len(ms)-1].Buttons() {
		if strings.HasPrefix(b.CallbackData, "1:acf:") {
			return b.CallbackData
		}
	}
	t.Fatalf("no confirm button on %q", ms[len(ms)-1].Text)
	return ""
}
