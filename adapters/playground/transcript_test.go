package playground

import (
	"testing"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/telegram/telegramtest"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

func TestTranscript_apply(t *testing.T) {
	const chat = 7
	tr := NewTranscript()
	msg := func(id int, text string, fromUser bool) *telegramtest.Message {
		return &telegramtest.Message{ID: id, ChatID: chat, Text: text, FromUser: fromUser}
	}
	steps := []struct {
		name     string
		ev       telegramtest.Event
		wTexts   []string
		wChanged bool
		wToasts  int
	}{
		{"the person writes", telegramtest.Event{Kind: telegramtest.EventUserMessage, Message: msg(1, "/start", true)},
			[]string{"/start"}, true, 0},
		{"the bot answers", telegramtest.Event{Kind: telegramtest.EventSent, Message: msg(2, "menu", false)},
			[]string{"/start", "menu"}, true, 0},
		{"a press is not a change", telegramtest.Event{Kind: telegramtest.EventButtonPressed, Message: msg(2, "menu", false)},
			[]string{"/start", "menu"}, false, 0},
		{"the bot edits in place", telegramtest.Event{Kind: telegramtest.EventEdited, Message: msg(2, "catalogue", false)},
			[]string{"/start", "catalogue"}, true, 0},
		{"an edit of the person's id 1 is not theirs", telegramtest.Event{Kind: telegramtest.EventEdited, Message: msg(1, "x", false)},
			[]string{"/start", "catalogue"}, false, 0},
		{"a silent answer", telegramtest.Event{Kind: telegramtest.EventAnswered, Answer: &telegramtest.CallbackAnswer{}},
			[]string{"/start", "catalogue"}, false, 0},
		{"a toast", telegramtest.Event{Kind: telegramtest.EventAnswered, Answer: &telegramtest.CallbackAnswer{Text: "Done"}},
			[]string{"/start", "catalogue"}, true, 1},
		{"the bot deletes", telegramtest.Event{Kind: telegramtest.EventDeleted, Message: msg(2, "catalogue", false)},
			[]string{"/start"}, true, 0},
	}
	var version uint64
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.ev.ChatID = chat
			tr.apply(s.ev)
			v, msgs, toasts := tr.Chat(chat, version)
			if changed := v != version; changed != s.wChanged {
				t.Fatalf("changed = %v, want %v", changed, s.wChanged)
			}
			if !s.wChanged {
				return
			}
			version = v
			var texts []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
			}
			if len(texts) != len(s.wTexts) || len(toasts) != s.wToasts {
				t.Fatalf("chat %q with %d toasts, want %q with %d", texts, len(toasts), s.wTexts, s.wToasts)
			}
			for i := range texts {
				if texts[i] != s.wTexts[i] {
					t.Fatalf("chat %q, want %q", texts, s.wTexts)
				}
			}
		})
	}
}

// TestTranscript_Chat checks a chat nobody wrote in: version 0, nothing.
func TestTranscript_Chat(t *testing.T) {
	if v, msgs, toasts := NewTranscript().Chat(99, 0); v != 0 || msgs != nil || toasts != nil {
		t.Errorf("a chat nobody wrote in: version %d, %d messages, %d toasts", v, len(msgs), len(toasts))
	}
}

func TestInvoiceOf(t *testing.T) {
	wallet := tontest.Address(walletSeed)
	master := address.MustParseAddr(ton.USDTMaster)
	to := payee{wallet: ton.Friendly(wallet, true), usdt: ton.Raw(master)}
	usdtLink := func(m domain.Money, jetton *address.Address) string {
		l, err := ton.NewPayLinkIn(wallet, true, m, "ABCD-EFGH", jetton)
		if err != nil {
			t.Fatal(err)
		}
		return l.HTTPS
	}
	ours := "https://app.tonkeeper.com/transfer/" + to.wallet
	cases := []struct {
		name, link string
		want       *InvoiceButton
	}{
		{"ours", ours + "?amount=2500000000&text=ABCD-EFGH", &InvoiceButton{Code: "ABCD-EFGH", Amount: "2.5", Currency: "TON"}},
		{"ours in USDT", usdtLink(domain.USDT(25), master), &InvoiceButton{Code: "ABCD-EFGH", Amount: "25", Currency: "USDT"}},
		{"a fraction of a USDT", usdtLink(domain.Money{Currency: domain.CurrencyUSDT, Units: 2_500_000}, master),
			&InvoiceButton{Code: "ABCD-EFGH", Amount: "2.5", Currency: "USDT"}},
		{"the USDT master in its raw form", ours + "?jetton=" + ton.Raw(master) + "&amount=1000000&text=X",
			&InvoiceButton{Code: "X", Amount: "1", Currency: "USDT"}},
		{"another jetton", usdtLink(domain.USDT(25), tontest.Address("look-alike-usdt-master")), nil},
		{"a jetton that is no address", ours + "?jetton=nope&amount=1&text=X", nil},
		{"an empty jetton", ours + "?jetton=&amount=1&text=X", nil},
		{"another wallet", "https://app.tonkeeper.com/transfer/0QOTHER?amount=1&text=X", nil},
		{"no comment", ours + "?amount=1", nil},
		{"no amount", ours + "?text=X", nil},
		{"a zero amount", ours + "?amount=0&text=X", nil},
		{"not a wallet link", "https://example.com/?amount=1&text=X", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := invoiceOf(c.link, to)
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("invoiceOf(%s) = %+v, want %+v", c.link, got, c.want)
			}
		})
	}
}
