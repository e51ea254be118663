package telegram

import (
	"strings"

	"allot/domain"
)

// Money on screens: every amount a person sees names its currency, because
// a balance, a price or a payment may be in TON or in USDT and the two are
// never converted. The texts take amounts as "10 TON" or "25 USDT", never
// a bare number followed by a currency written into the text.

// payMethod is one way to pay on the pay screen: from the balance or by an
// invoice paid on chain, in one currency. Its code travels in the button.
type payMethod struct {
	code    string
	cur     domain.Currency
	invoice bool
}

// payMethods are the pay screen's ways to pay. The balance ones share one
// operation per screen (pressing both buys once); each invoice has its own,
// so an invoice opened in one currency is never answered for the other.
var payMethods = []payMethod{
	{code: "b", cur: domain.CurrencyTON},
	{code: "bu", cur: domain.CurrencyUSDT},
	{code: "t", cur: domain.CurrencyTON, invoice: true},
	{code: "u", cur: domain.CurrencyUSDT, invoice: true},
}

// methodOf finds a pay method by its code.
func methodOf(code string) (payMethod, bool) {
	for _, m := range payMethods {
		if m.code == code {
			return m, true
		}
	}
	return payMethod{}, false
}

// balanceMethod and invoiceMethod are the codes of paying in cur.
func balanceMethod(cur domain.Currency) payMethod { return findMethod(cur, false) }
func invoiceMethod(cur domain.Currency) payMethod { return findMethod(cur, true) }

func findMethod(cur domain.Currency, invoice bool) payMethod {
	for _, m := range payMethods {
		if m.cur == cur && m.invoice == invoice {
			return m
		}
	}
	return payMethods[0]
}

// moneyOf is an amount of cur as a person reads it: "1.5 TON".
func moneyOf(units domain.Nano, cur domain.Currency) string {
	return domain.Money{Currency: cur, Units: int64(units)}.String()
}

// pricesText joins a period's prices in each currency: "10 TON · 25 USDT".
func pricesText(ms []domain.Money) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, " · ")
}

// usdtOn reports whether people may pay in USDT on chain: the pay links
// take USDT (a receiving wallet and a USDT master are configured) and the
// watcher reads USDT now. Balances and prices in USDT are shown whenever
// they exist, whether or not this is on.
func (b *Bot) usdtOn() bool {
	return b.chainAccepts(domain.CurrencyUSDT) && (b.cfg.USDTReady == nil || b.cfg.USDTReady())
}

// canInvoice reports whether an invoice in cur can be paid on chain.
func (b *Bot) canInvoice(cur domain.Currency) bool {
	if cur == domain.CurrencyUSDT {
		return b.usdtOn()
	}
	return b.chainAccepts(cur)
}

// chainAccepts reports whether the pay links take cur at all.
func (b *Bot) chainAccepts(cur domain.Currency) bool {
	return b.cfg.PayLinks != nil && b.cfg.PayLinks.Accepts(cur)
}

// balances is a wallet's balance as a person reads it: TON always, USDT
// when there is some or USDT can be paid in.
func (s *session) balances(w *domain.Wallet) string {
	ms := []domain.Money{w.BalanceIn(domain.CurrencyTON)}
	if u := w.BalanceIn(domain.CurrencyUSDT); u.Units != 0 || s.bot.usdtOn() {
		ms = append(ms, u)
	}
	return pricesText(ms)
}

// paidIn is what the menu says rentals are paid in.
func (s *session) paidIn() string {
	if s.bot.usdtOn() {
		return s.t("paid_in_ton_usdt")
	}
	return "TON"
}
