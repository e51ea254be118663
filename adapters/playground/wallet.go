package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

// transfer is one simulated transfer as chain.jsonl keeps it.
type transfer struct {
	From    string      `json:"from"`   // the sender's seed for tontest.Address
	Amount  domain.Nano `json:"amount"` // in the currency's smallest units: nanotons, or millionths of a USDT
	Comment string      `json:"comment"`
	At      int64       `json:"at"` // unix seconds, as the chain keeps time
	// Currency is "USDT" for a jetton payment, which goes on the chain as
	// a transfer_notification from our jetton wallet. It is absent for
	// TON, so that the lines from before USDT read as what they were.
	Currency string `json:"currency,omitempty"`
}

// currency is what t was paid in. A currency this build does not pay
// (a file from a newer one, or a typo) is an error, never TON: replaying
// it as TON would credit money nobody sent.
func (t transfer) currency() (domain.Currency, error) {
	switch t.Currency {
	case "":
		return domain.CurrencyTON, nil
	case domain.CurrencyUSDT.String():
		return domain.CurrencyUSDT, nil
	}
	return 0, fmt.Errorf("playground: a transfer in %q, which the simulated wallet does not send", t.Currency)
}

// Payment is what paying an invoice from a simulated wallet did.
type Payment struct {
	Code     string `json:"code"`
	Amount   string `json:"amount"`   // a decimal number of Currency, as the invoice says it: "25"
	Currency string `json:"currency"` // "TON" or "USDT"
	From     string `json:"from"`     // the simulated wallet, as a person would see it
	Tx       string `json:"tx"`       // the transaction's hash
	Status   string `json:"status"`   // the invoice's status before the payment
}

// Invoices is where the simulated wallet reads what an invoice asks and
// what time it is; *actors.Engine is one. Safe for concurrent use.
type Invoices interface {
	Invoice(ctx context.Context, code string) (domain.Invoice, error)
	Now() time.Time
}

// Wallet is the receiving wallet on a fake chain (tontest), with the
// chain's history on disk, and the people's simulated wallets that pay
// into it. The payment watcher reads the chain through Source. It is safe
// for concurrent use.
type Wallet struct {
	addr     *address.Address
	chain    *tontest.Chain
	invoices Invoices
	// master is the USDT master the bot's links name: the real one's
	// address, which the fake master answers for. jettons is our jetton
	// wallet of it, the only sender whose notifications the watcher
	// takes as USDT payments.
	master, jettons *address.Address

	mu     sync.Mutex // one transfer at a time: the file's order is the chain's
	file   *os.File
	onPaid func()
}

// walletSeed names the playground's receiving wallet. Its address is a
// hash nobody holds the key of, shown with the testnet flag so that no
// real wallet sends real money to it.
const walletSeed = "allot-playground-wallet"

// OpenWallet rebuilds the fake chain from its history at path
// (chain.jsonl) and opens the history for the payments to come.
func OpenWallet(ctx context.Context, path string, invoices Invoices) (*Wallet, error) {
	w := &Wallet{addr: tontest.Address(walletSeed), invoices: invoices, master: address.MustParseAddr(ton.USDTMaster)}
	w.chain = tontest.New(w.addr)
	// Resolved as cmd/allot resolves it at start, by get_wallet_address
	// on the master (the fake one), so the playground takes the same path.
	jettons, err := ton.ResolveJettonWallet(ctx, &tontest.JettonMaster{Master: w.master}, w.master, w.addr)
	if err != nil {
		return nil, fmt.Errorf("playground: our USDT jetton wallet: %w", err)
	}
	w.jettons = jettons
	past, good, err := readTransfers(path)
	if err != nil {
		return nil, err
	}
	for _, t := range past {
		w.put(t)
	}
	if w.file, err = openHistory(path, good); err != nil {
		return nil, err
	}
	return w, nil
}

// Source reads TON and USDT payments to the wallet off the fake chain, as
// cmd/allot's source reads them off the real one: give it to the watcher
// with Account.
func (w *Wallet) Source() *ton.Source {
	return ton.NewSource(w.chain, w.addr, ton.WithTestnet(true),
		ton.WithUSDT(ton.JettonAccount{Owner: w.addr, Wallet: w.jettons, Testnet: true}))
}

// Account is the receiving wallet in the raw form the watcher is given.
func (w *Wallet) Account() string { return ton.Raw(w.addr) }

// PayLinks are the bot's pay links to this wallet: on the testnet, in TON
// and in USDT of the master the fake chain answers for.
func (w *Wallet) PayLinks() ton.PayLinks {
	return ton.PayLinks{Wallet: w.addr, Testnet: true, USDTMaster: w.master}
}

// Chain is the fake chain, for tests that look at it directly.
func (w *Wallet) Chain() *tontest.Chain { return w.chain }

// OnPaid sets what is called after every payment: the watcher's Poke, so
// that the bot answers at once rather than at its next poll. Call it
// before the first Pay.
func (w *Wallet) OnPaid(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onPaid = f
}

// Close closes the history. Stop the watcher reading Source first.
func (w *Wallet) Close() error { return w.file.Close() }

// readTransfers reads chain.jsonl and says how many of its bytes are whole
// lines. A missing file is an empty history; a last line without its
// newline is what a crash mid-write leaves, never put on the chain, and is
// dropped. A bad line before it is corruption.
func readTransfers(path string) ([]transfer, int64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("playground: chain history: %w", err)
	}
	good := bytes.LastIndexByte(b, '\n') + 1
	var out []transfer
	for i, line := range bytes.Split(b[:good], []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var t transfer
		if err := json.Unmarshal(line, &t); err != nil {
			return nil, 0, fmt.Errorf("playground: %s line %d: %w", path, i+1, err)
		}
		if _, err := t.currency(); err != nil {
			return nil, 0, fmt.Errorf("%w (%s line %d)", err, path, i+1)
		}
		out = append(out, t)
	}
	return out, int64(good), nil
}

// openHistory opens chain.jsonl for appending, cutting a torn last line
// off first so that the next transfer starts a line of its own.
func openHistory(path string, good int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("playground: chain history: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > good {
		err = f.Truncate(good)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("playground: chain history: %w", err)
		}
	}
	return f, nil
}

// Address is the receiving wallet as people are shown it.
func (w *Wallet) Address() string { return ton.Friendly(w.addr, true) }

// senderSeed names a person's simulated wallet.
func senderSeed(user int64) string { return fmt.Sprintf("playground-person-%d", user) }

// Pay sends exactly what invoice code asks from user's simulated wallet,
// in its currency, with the code as the comment, and calls OnPaid's
// function. An invoice that is no longer open is paid all the same: that
// is what a person's wallet would do, and the bot credits the money to the
// balance. Someone else's invoice is ErrNotYours.
func (w *Wallet) Pay(ctx context.Context, user int64, code string) (Payment, error) {
	inv, err := w.invoices.Invoice(ctx, code)
	if err != nil {
		return Payment{}, err
	}
	if int64(inv.User) != user {
		return Payment{}, ErrNotYours
	}
	t := transfer{From: senderSeed(user), Amount: inv.Amount, Comment: inv.Code, At: w.invoices.Now().Unix()}
	if inv.Currency != domain.CurrencyTON {
		t.Currency = inv.Currency.String()
	}
	if _, err := t.currency(); err != nil {
		return Payment{}, err
	}
	tx, err := w.add(t)
	if err != nil {
		return Payment{}, err
	}
	w.paid()
	m := inv.Money()
	return Payment{Code: inv.Code, Amount: m.Decimal(), Currency: m.Currency.String(), Tx: tx.Hash,
		Status: inv.Status.String(), From: ton.Friendly(tontest.Address(t.From), true)}, nil
}

// paid calls OnPaid's function, if any.
func (w *Wallet) paid() {
	w.mu.Lock()
	f := w.onPaid
	w.mu.Unlock()
	if f != nil {
		f()
	}
}

// add writes t to the history, syncs it, and only then puts it on the
// chain.
func (w *Wallet) add(t transfer) (domain.TxID, error) {
	line, err := json.Marshal(t)
	if err != nil {
		return domain.TxID{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := writeSynced(w.file, append(line, '\n')); err != nil {
		return domain.TxID{}, fmt.Errorf("playground: chain history: %w", err)
	}
	return w.put(t), nil
}

// put puts t on the chain as the sender's wallet would make it arrive: TON
// as a transfer from the sender's wallet with a text comment; USDT as the
// transfer_notification our jetton wallet sends once the sender's jetton
// wallet has moved the jettons, naming the sender and carrying the comment
// in a referenced forward payload, as most wallets send one. The query id
// is the time, so a replay builds the very same transaction. t's currency
// was checked when it was read or made.
func (w *Wallet) put(t transfer) domain.TxID {
	from, at := tontest.Address(t.From), time.Unix(t.At, 0)
	if c, _ := t.currency(); c == domain.CurrencyUSDT {
		n := tontest.Notification{QueryID: uint64(t.At), Units: uint64(t.Amount), Sender: from, Comment: t.Comment, InRef: true}
		return w.chain.Notify(w.jettons, n, at)
	}
	return w.chain.Pay(from, t.Amount, t.Comment, at)
}

// payee is what the bot's pay links name when they pay this wallet.
func (w *Wallet) payee() payee { return payee{wallet: w.Address(), usdt: ton.Raw(w.master)} }

func writeSynced(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}
