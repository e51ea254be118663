package playground

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton"
	"allot/domain"
)

// Bounds on what a chat keeps for the page: a long session stays light.
const (
	maxChatItems  = 300
	maxChatToasts = 20
)

// Transcript is every chat as its person sees it, built from the fake Bot
// API's event stream: the person's messages and the bot's, in the order
// they were sent, the bot's as they are after edits, and the toasts of
// answered button presses. Every change raises the chat's version, which
// is the cursor the page polls with. It is safe for concurrent use.
type Transcript struct {
	mu    sync.Mutex
	seq   uint64
	chats map[int64]*chatLog
}

type chatLog struct {
	version uint64
	items   []telegramtest.Message
	toasts  []Toast
}

// Toast is how the bot answered a button press: a short note, or an alert
// the person must dismiss.
type Toast struct {
	Seq   uint64 `json:"seq"`
	Text  string `json:"text"`
	Alert bool   `json:"alert,omitempty"`
}

// NewTranscript is a transcript with no chats yet; feed it with Follow.
func NewTranscript() *Transcript { return &Transcript{chats: map[int64]*chatLog{}} }

// Follow applies events until the stream closes: run it on its own
// goroutine over a subscription to every chat (telegramtest's
// Subscribe(0)) taken before anyone writes, so that no event is missed.
func (t *Transcript) Follow(events <-chan telegramtest.Event) {
	for ev := range events {
		t.apply(ev)
	}
}

func (t *Transcript) apply(ev telegramtest.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.chats[ev.ChatID]
	if c == nil {
		c = &chatLog{}
		t.chats[ev.ChatID] = c
	}
	if !c.change(ev, t.seq+1) {
		return
	}
	t.seq++
	c.version = t.seq
}

// change applies one event at seq and reports whether the chat changed.
func (c *chatLog) change(ev telegramtest.Event, seq uint64) bool {
	switch ev.Kind {
	case telegramtest.EventSent, telegramtest.EventUserMessage:
		if ev.Message == nil {
			return false
		}
		c.items = append(c.items, *ev.Message)
		if len(c.items) > maxChatItems {
			c.items = slices.Delete(c.items, 0, len(c.items)-maxChatItems)
		}
	case telegramtest.EventEdited, telegramtest.EventDeleted:
		i := c.find(ev.Message)
		if i < 0 {
			return false
		}
		if ev.Kind == telegramtest.EventDeleted {
			c.items = slices.Delete(c.items, i, i+1)
		} else {
			c.items[i] = *ev.Message
		}
	case telegramtest.EventAnswered:
		if ev.Answer == nil || ev.Answer.Text == "" {
			return false
		}
		c.toasts = append(c.toasts, Toast{Seq: seq, Text: ev.Answer.Text, Alert: ev.Answer.ShowAlert})
		if len(c.toasts) > maxChatToasts {
			c.toasts = slices.Delete(c.toasts, 0, len(c.toasts)-maxChatToasts)
		}
	default:
		return false
	}
	return true
}

// find is the index of the bot's message m, or -1.
func (c *chatLog) find(m *telegramtest.Message) int {
	if m == nil {
		return -1
	}
	return slices.IndexFunc(c.items, func(x telegramtest.Message) bool { return !x.FromUser && x.ID == m.ID })
}

// Chat returns a chat's version, its messages when the version is not
// after, and the toasts raised since after.
func (t *Transcript) Chat(id int64, after uint64) (uint64, []telegramtest.Message, []Toast) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.chats[id]
	if c == nil || c.version == after {
		return after, nil, nil
	}
	var toasts []Toast
	for _, x := range c.toasts {
		if x.Seq > after {
			toasts = append(toasts, x)
		}
	}
	return c.version, slices.Clone(c.items), toasts
}

// MessageView is a message as the page draws it.
type MessageView struct {
	ID       int            `json:"id"`
	FromUser bool           `json:"from_user,omitempty"`
	Date     time.Time      `json:"date"`
	Edited   time.Time      `json:"edited,omitzero"`
	Text     string         `json:"text"`
	Entities []Entity       `json:"entities,omitempty"`
	Keyboard [][]Button     `json:"keyboard,omitempty"`
	Reply    [][]string     `json:"reply_keyboard,omitempty"`
	Photo    *FileView      `json:"photo,omitempty"`
	Document *FileView      `json:"document,omitempty"`
	Invoice  *InvoiceButton `json:"invoice,omitempty"`
}

// Entity is a formatted span of a text; offsets count UTF-16 units, as
// Telegram's and JavaScript's strings do.
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
	URL    string `json:"url,omitempty"`
}

// Button is an inline button: Data to press, or a URL to open.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// FileView is a picture or document the bot sent, served by the page's API.
type FileView struct {
	URL    string `json:"url"`
	Name   string `json:"name,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// InvoiceButton is an invoice a message offers to pay: its wallet link
// pays the playground's wallet, so the simulated wallet can pay it.
type InvoiceButton struct {
	Code     string `json:"code"`
	Amount   string `json:"amount"`   // a decimal number of Currency: "2.5", "25"
	Currency string `json:"currency"` // "TON" or "USDT"
}

// payee is what the bot's pay links name when they pay the playground:
// the receiving wallet as the links write it, and the USDT master's raw
// address (a link may write it in any form).
type payee struct {
	wallet string
	usdt   string
}

// viewOf turns a message into what the page draws; payTo is what the
// bot's pay links name when they pay the playground.
func viewOf(m telegramtest.Message, payTo payee) MessageView {
	v := MessageView{ID: m.ID, FromUser: m.FromUser, Date: m.Date, Edited: m.EditDate, Text: m.Text,
		Photo: fileView(m.Photo), Document: fileView(m.Document)}
	for _, e := range m.Entities {
		v.Entities = append(v.Entities, Entity{Type: string(e.Type), Offset: e.Offset, Length: e.Length, URL: e.URL})
	}
	for _, row := range m.Keyboard {
		var r []Button
		for _, b := range row {
			r = append(r, Button{Text: b.Text, Data: b.CallbackData, URL: b.URL})
			if inv := invoiceOf(b.URL, payTo); inv != nil {
				v.Invoice = inv
			}
		}
		v.Keyboard = append(v.Keyboard, r)
	}
	if m.ReplyKeyboard != nil {
		for _, row := range m.ReplyKeyboard.Keyboard {
			var r []string
			for _, b := range row {
				r = append(r, b.Text)
			}
			v.Reply = append(v.Reply, r)
		}
	}
	return v
}

func fileView(f *telegramtest.File) *FileView {
	switch {
	case f == nil:
		return nil
	case f.ID != "":
		return &FileView{URL: "/play/api/file/" + url.PathEscape(f.ID), Name: f.Name, Width: f.Width, Height: f.Height}
	case f.URL != "":
		return &FileView{URL: f.URL, Name: f.Name}
	}
	return nil
}

// invoiceOf reads a wallet link that pays payTo, nil for any other link:
// https://app.tonkeeper.com/transfer/ADDR?amount=NANO&text=CODE in TON, or
// …?jetton=MASTER&amount=UNITS&text=CODE in USDT (UNITS in millionths),
// as ton.NewPayLinkIn writes them. A link naming another jetton is not
// one the simulated wallet pays: it sends TON and USDT only.
func invoiceOf(link string, payTo payee) *InvoiceButton {
	rest, ok := strings.CutPrefix(link, "https://app.tonkeeper.com/transfer/"+payTo.wallet+"?")
	if !ok || payTo.wallet == "" {
		return nil
	}
	q, err := url.ParseQuery(rest)
	if err != nil {
		return nil
	}
	cur, ok := linkCurrency(q, payTo)
	if !ok {
		return nil
	}
	units, err := strconv.ParseInt(q.Get("amount"), 10, 64)
	m := domain.Money{Currency: cur, Units: units}
	if err != nil || m.Validate() != nil || q.Get("text") == "" {
		return nil
	}
	return &InvoiceButton{Code: q.Get("text"), Amount: m.Decimal(), Currency: cur.String()}
}

// linkCurrency is the currency a link's query asks for: TON without a
// jetton, USDT when the jetton is payTo's USDT master in any address form.
func linkCurrency(q url.Values, payTo payee) (domain.Currency, bool) {
	if !q.Has("jetton") {
		return domain.CurrencyTON, true
	}
	master, err := ton.ParseWallet(q.Get("jetton"), true)
	if err != nil || payTo.usdt == "" || ton.Raw(master) != payTo.usdt {
		return 0, false
	}
	return domain.CurrencyUSDT, true
}
