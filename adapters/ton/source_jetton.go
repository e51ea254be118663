package ton

import (
	"maps"
	"math"
	"sync"

	"github.com/xssnick/tonutils-go/tlb"

	"allot/actors"
	"allot/domain"
)

var _ actors.RejectCounter = (*Source)(nil)

// WithUSDT makes the source read USDT payments too: a transfer_notification
// to the watched wallet from a.Wallet, our USDT jetton wallet, is a payment
// in USDT. a.Owner and a.Testnet are the source's own wallet and network,
// whatever a says. Without it (a nil Wallet included) the source reads TON
// only, as it always did.
func WithUSDT(a JettonAccount) Option {
	return func(s *Source) {
		if a.Wallet != nil {
			s.usdt = &a
		}
	}
}

// payment reads one transaction of the wallet. A jetton notification is
// read as a jetton notification only: a genuine one is a USDT payment, and
// the forward TON it carries (a nanoton, usually) is not also a TON
// payment; a forged, bounced or malformed one is no payment at all, in
// either currency, and is counted and logged instead. Anything else is
// read as TON by ToPayment.
func (s *Source) payment(tx *tlb.Transaction) (domain.Payment, bool) {
	if s.usdt != nil {
		jp, v, err := s.usdt.Classify(tx)
		switch v {
		case JettonNone:
		case JettonGenuine:
			return usdtPayment(jp), true
		default:
			s.reject(jp, v, err)
			return domain.Payment{}, false
		}
	}
	return ToPayment(tx, s.account, s.testnet)
}

// usdtPayment is a genuine notification as a payment in USDT units, its
// comment the code to match. An amount beyond int64 (more USDT than
// exists) is marked failed, so the register ignores it rather than clamp it.
func usdtPayment(jp JettonPayment) domain.Payment {
	p := domain.Payment{Tx: jp.Tx, Currency: domain.CurrencyUSDT, Comment: jp.Comment, From: jp.Sender, At: jp.At}
	if jp.Amount > math.MaxInt64 {
		p.Failed = true
	} else {
		p.Amount = domain.Nano(jp.Amount)
	}
	return p
}

// reject counts a notification that is not a payment, once: a transaction
// read again (a re-poll from an older cursor) is neither counted nor
// logged again. A malformed one came from our own jetton wallet, so jettons
// may really have arrived: it is logged at Warn for an operator, with what
// could be read and why, never its bytes or comment.
func (s *Source) reject(jp JettonPayment, v JettonVerdict, err error) {
	if !s.rejects.add(jp.Tx.LT, v.String()) {
		return
	}
	args := []any{"wallet", s.account, "tx", jp.Tx.Key(), "from", jp.Source, "verdict", v.String(), "err", err}
	switch v {
	case JettonMalformed:
		s.log.Warn("jetton notification from our jetton wallet unreadable: not credited",
			append(args, "units", jp.Amount)...)
	case JettonForged:
		s.log.Info("forged jetton notification: not credited", args...)
	default:
		s.log.Debug("jetton notification ignored", args...)
	}
}

// Rejected returns how many jetton notifications the source has refused
// since it was made, by verdict: "forged", "malformed", "ignored".
func (s *Source) Rejected() map[string]uint64 { return s.rejects.counts() }

// rejects counts refused transactions by reason, each once.
type rejects struct {
	mu   sync.Mutex
	high uint64 // the newest logical time counted; a wallet's transactions are read oldest first
	n    map[string]uint64
}

// add counts a transaction at lt under reason, unless one as new has been
// counted already; it reports whether it counted.
func (r *rejects) add(lt uint64, reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if lt <= r.high {
		return false
	}
	r.high = lt
	if r.n == nil {
		r.n = map[string]uint64{}
	}
	r.n[reason]++
	return true
}

func (r *rejects) counts() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.n)
}
