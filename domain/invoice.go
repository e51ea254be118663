package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// codeAlphabet has no 0/O, 1/I/L: a code is read off one screen and typed
// into a wallet's comment field on another.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// CodeLen is the length of an invoice code without its separator.
const CodeLen = 8

// NewCode makes an invoice code such as "K7QM-3XHA" from random bits; the
// caller supplies the randomness so that the domain stays deterministic.
func NewCode(random uint64) string {
	var b [CodeLen + 1]byte
	j := 0
	for i := 0; i < CodeLen; i++ {
		if i == 4 {
			b[j] = '-'
			j++
		}
		b[j] = codeAlphabet[random%uint64(len(codeAlphabet))]
		random /= uint64(len(codeAlphabet))
		j++
	}
	return string(b[:])
}

// NormalizeCode reduces a code as typed to its canonical form, or "" when it
// is not a well-formed code.
func NormalizeCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) != CodeLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(codeAlphabet, s[i]) < 0 {
			return ""
		}
	}
	return s[:4] + "-" + s[4:]
}

// FindCodes returns every well-formed reading of an invoice code in a
// payment comment: whole tokens first, in order, then each pair of adjacent
// four-symbol tokens ("k7qm 3xha"), overlapping pairs included, so a word
// before a split code ("rent K7QM 3XHA") cannot hide it. It tolerates case
// and a missing or extra separator, and is never fooled by a code inside a
// longer token: "XK7QM3XHA" and "K7QM-3XHA9" contain no code. Readings are
// candidates: Payments.Receive pays the first that names a known invoice.
func FindCodes(comment string) []string {
	if len(comment) > 512 {
		comment = comment[:512]
	}
	toks := strings.FieldsFunc(strings.ToUpper(comment), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
	})
	var out []string
	for _, t := range toks {
		if c := NormalizeCode(t); c != "" {
			out = append(out, c)
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		if len(toks[i]) == 4 && len(toks[i+1]) == 4 {
			if c := NormalizeCode(toks[i] + toks[i+1]); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// PurposeKind is what an invoice pays for.
type PurposeKind uint8

// The invoice purposes.
const (
	PurposeTopUp PurposeKind = iota + 1
	PurposeRent
	PurposeRenew
)

// InvoiceStatus is where an invoice is in its life.
type InvoiceStatus uint8

// The invoice statuses.
const (
	InvoiceOpen InvoiceStatus = iota + 1
	InvoicePaid
	InvoiceExpired
	InvoiceCancelled
)

var invoiceStatusNames = [...]string{"", "open", "paid", "expired", "cancelled"}

// String names the status in logs and on the admins' screens.
func (s InvoiceStatus) String() string {
	if int(s) < len(invoiceStatusNames) && s > 0 {
		return invoiceStatusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// Invoice asks one user for an exact amount, identified by a code that the
// payment's comment must carry. Amount is in Currency's smallest unit; a
// zero Currency is TON, so invoices from before currencies read as what
// they were.
type Invoice struct {
	Op       OpID          `msgpack:"op"`
	Code     string        `msgpack:"c"`
	User     UserID        `msgpack:"u"`
	Amount   Nano          `msgpack:"a"`
	Currency Currency      `msgpack:"cu,omitempty"` // TON when absent
	Purpose  PurposeKind   `msgpack:"p"`
	Number   string        `msgpack:"n,omitempty"`
	Days     int           `msgpack:"d,omitempty"`
	Created  time.Time     `msgpack:"cr"`
	Expires  time.Time     `msgpack:"x"`
	Status   InvoiceStatus `msgpack:"s"`
	Tx       string        `msgpack:"tx,omitempty"` // the transaction that paid it
	Closed   time.Time     `msgpack:"cl,omitempty"` // when it expired or was cancelled; zero if paid, open, or closed before this was kept
}

// Money returns the invoice's amount with its currency.
func (inv *Invoice) Money() Money { return Money{Currency: inv.Currency, Units: int64(inv.Amount)} }

// TxID identifies one blockchain transaction: logical time alone repeats
// across accounts, so the account and hash are part of it.
type TxID struct {
	Account string `msgpack:"a"`
	LT      uint64 `msgpack:"l"`
	Hash    string `msgpack:"h"` // hex
}

// Key is the TxID as one comparable string.
func (t TxID) Key() string { return t.Account + ":" + strconv.FormatUint(t.LT, 10) + ":" + t.Hash }

// Payment is an incoming transfer as the chain reported it. The watcher
// journals it (with the comment reduced to the code it names), so its
// fields carry short msgpack names like every other stored type. Amount
// is in Currency's smallest unit; a zero Currency is TON, so payments
// journaled before currencies read as the TON they were.
type Payment struct {
	Tx       TxID      `msgpack:"tx"`
	Amount   Nano      `msgpack:"a"`
	Currency Currency  `msgpack:"cu,omitempty"` // TON when absent; USDT for a genuine jetton notification
	Comment  string    `msgpack:"c,omitempty"`  // never shown to anyone: it is whatever a stranger typed
	From     string    `msgpack:"f,omitempty"`
	At       time.Time `msgpack:"at"`
	Bounced  bool      `msgpack:"b,omitempty"` // the message is a bounce of one of our own transfers
	Failed   bool      `msgpack:"x,omitempty"` // the wallet did not keep the value (no credit phase, a bounce phase sent it back, ...)
	User     UserID    `msgpack:"u,omitempty"` // set when the sender is already known (a deposit); 0 for chain payments
}

// ChainCursor is the position of the last transaction the payment watcher
// has handed on, so that after a restart it reads exactly what came after.
// The zero cursor means "nothing read yet": the watcher starts at the
// wallet's newest transaction.
type ChainCursor struct {
	LT   uint64 `msgpack:"l"`
	Hash string `msgpack:"h"` // hex
}

// IsZero reports whether nothing has been read yet.
func (c ChainCursor) IsZero() bool { return c.LT == 0 && c.Hash == "" }
