package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xssnick/tonutils-go/address"

	"allot/actors"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
	"allot/persistence"
)

func TestUSDTFromEnv(t *testing.T) {
	real := address.MustParseAddr(ton.USDTMaster)
	other := tontest.Address("another master")
	for _, tc := range []struct {
		name    string
		value   string
		testnet bool
		want    *address.Address // nil: off
		wErr    bool
	}{
		{"unset on mainnet: the real master", "", false, real, false},
		{"the default spelled out", ton.USDTMaster, false, real, false},
		{"another master, raw", ton.Raw(other), false, other, false},
		{"off", "off", false, nil, false},
		{"OFF with spaces", "  OFF ", false, nil, false},
		{"unset on testnet: off", "", true, nil, false},
		{"a master on testnet", ton.Raw(other), true, other, false},
		{"not an address", "tether", false, nil, true},
		{"a testnet address on mainnet", other.Testnet(true).String(), false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := usdtFromEnv(envOf(map[string]string{"USDT_MASTER": tc.value}), tc.testnet)
			if tc.wErr {
				if err == nil || !strings.HasPrefix(err.Error(), "USDT_MASTER: ") {
					t.Errorf("err = %v, want one naming USDT_MASTER", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (c.Master == nil) != (tc.want == nil) || c.Master != nil && !c.Master.Equals(tc.want) {
				t.Errorf("master = %v, want %v", c.Master, tc.want)
			}
		})
	}
}

// A bad USDT_MASTER stops the start with a clear error, TON wallet or not.
func TestLoadConfig_USDTMaster(t *testing.T) {
	_, err := loadConfig(envOf(map[string]string{"USDT_MASTER": "EQnot-an-address"}))
	if err == nil || !strings.Contains(err.Error(), "USDT_MASTER: ") {
		t.Errorf("loadConfig = %v, want an error naming USDT_MASTER", err)
	}
	c, err := loadConfig(envOf(map[string]string{"USDT_MASTER": "off"}))
	if err != nil || c.USDT.Master != nil {
		t.Errorf("USDT_MASTER=off: %+v, %v", c.USDT, err)
	}
}

// usdtRig is an engine, a fake chain for our wallet and a fake USDT master.
type usdtRig struct {
	dir    string
	eng    *actors.Engine
	chain  *tontest.Chain
	master *tontest.JettonMaster
	mu     sync.Mutex
	fail   error // the master's answer while set
	alerts []string
}

func newUSDTRig(t *testing.T) *usdtRig {
	t.Helper()
	r := &usdtRig{dir: t.TempDir(), chain: tontest.New(tontest.Address("our wallet"))}
	r.master = &tontest.JettonMaster{Master: tontest.Address("usdt master"), Fault: func(string) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.fail
	}}
	r.open(t)
	return r
}

func (r *usdtRig) open(t *testing.T) {
	t.Helper()
	eng, err := actors.Open(actors.Options{Dir: r.dir, Fsync: persistence.FsyncOS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	r.eng = eng
}

func (r *usdtRig) setFail(err error) { r.mu.Lock(); r.fail = err; r.mu.Unlock() }

func (r *usdtRig) alerted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.alerts...)
}

// reader starts a usdtReader of the rig (USDT off when master is nil),
// retrying every few milliseconds.
func (r *usdtRig) reader(t *testing.T, master *address.Address) *usdtReader {
	t.Helper()
	u := newUSDTReader(usdtOptions{Engine: r.eng, Chain: r.chain, Runner: r.master, Wallet: r.chain.Wallet(),
		Master: master, MinRetry: 2 * time.Millisecond, MaxRetry: 10 * time.Millisecond, Timeout: time.Second,
		Alert: func(s string) { r.mu.Lock(); r.alerts = append(r.alerts, s); r.mu.Unlock() }})
	u.start(context.Background())
	t.Cleanup(u.close)
	return u
}

func (r *usdtRig) ourJetton() *address.Address {
	return tontest.JettonWalletOf(r.master.Master, r.chain.Wallet())
}

// notify sends a notification of units with comment, from our jetton
// wallet or (forged) from another.
func (r *usdtRig) notify(genuine bool, units uint64, comment string) {
	from := tontest.Address("forger")
	if genuine {
		from = r.ourJetton()
	}
	r.chain.Notify(from, tontest.Notification{Units: units, Sender: tontest.Address("payer"), Comment: comment,
		InRef: true}, time.Now())
}

// read returns what the reader's source reads after cursor, and the new cursor.
func read(t *testing.T, u *usdtReader, after domain.ChainCursor) ([]domain.Payment, domain.ChainCursor) {
	t.Helper()
	pays, next, err := u.source().Since(context.Background(), after)
	if err != nil {
		t.Fatal(err)
	}
	return pays, next
}

func TestUSDTReader_ResolvesAndRemembers(t *testing.T) {
	r := newUSDTRig(t)
	_, start := read(t, r.reader(t, nil), domain.ChainCursor{}) // the cursor before anything
	u := r.reader(t, r.master.Master)
	if u.degraded() != "" || u.state() != "on" || !u.Ready() || !u.Master().Equals(r.master.Master) {
		t.Fatalf("reader after resolving: %q, %q, %v", u.degraded(), u.state(), u.Ready())
	}
	raw, ok, err := r.eng.JettonWallet(context.Background(), ton.Raw(r.master.Master), ton.Raw(r.chain.Wallet()))
	if err != nil || !ok || raw != ton.Raw(r.ourJetton()) {
		t.Fatalf("the journal holds %q, %v, %v; want %s", raw, ok, err, ton.Raw(r.ourJetton()))
	}
	r.notify(true, 25_000_000, "GENUINE")
	r.notify(false, 25_000_000, "FORGED")
	pays, _ := read(t, u, start)
	if len(pays) != 1 || pays[0].Currency != domain.CurrencyUSDT || pays[0].Amount != 25_000_000 || pays[0].Comment != "GENUINE" {
		t.Errorf("payments read: %+v, want the genuine notification alone, in USDT", pays)
	}
	if got := u.source().(actors.RejectCounter).Rejected()["forged"]; got != 1 {
		t.Errorf("forged counted %d times, want 1", got)
	}
	if len(r.alerted()) != 0 {
		t.Errorf("alerts for a start that went well: %q", r.alerted())
	}
}

// A restart reads USDT from the journal's record with the master silent.
func TestUSDTReader_RestartNeedsNoLiteserver(t *testing.T) {
	r := newUSDTRig(t)
	r.reader(t, r.master.Master).close()
	asked := r.master.Calls()
	if err := r.eng.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.open(t)
	r.setFail(errors.New("liteservers unreachable"))
	u := r.reader(t, r.master.Master)
	if u.degraded() != "" || !u.Ready() {
		t.Errorf("after a restart with the master silent: %q, %v", u.degraded(), u.Ready())
	}
	if r.master.Calls() != asked {
		t.Errorf("the master was asked %d more times", r.master.Calls()-asked)
	}
}

// USDT off: the master is never asked, the source reads TON only (a
// notification from our jetton wallet is no USDT payment), nothing degrades.
func TestUSDTReader_Off(t *testing.T) {
	r := newUSDTRig(t)
	_, start := read(t, r.reader(t, nil), domain.ChainCursor{})
	u := r.reader(t, nil)
	r.notify(true, 1_000_000, "C")
	pays, _ := read(t, u, start)
	for _, p := range pays {
		if p.Currency == domain.CurrencyUSDT {
			t.Errorf("USDT read with USDT off: %+v", p)
		}
	}
	if r.master.Calls() != 0 || u.state() != "off" || u.degraded() != "" || u.Ready() || u.Master() != nil {
		t.Errorf("off: %d calls, %q, %q, %v", r.master.Calls(), u.state(), u.degraded(), u.Ready())
	}
	var none *usdtReader
	if none.Ready() || none.Master() != nil || none.degraded() != "" || none.state() != "off" {
		t.Error("a nil reader (TON off) is not simply off")
	}
	none.close()
}

// The master does not answer at start: TON payments are credited, /readyz
// says why USDT is not read, no USDT link is offered; once the master
// answers the watcher reads USDT without a restart, and the admins hear
// which time went unread.
func TestUSDTReader_DegradedThenResolved(t *testing.T) {
	r := newUSDTRig(t)
	r.chain.Pay(tontest.Address("payer"), domain.TON(1), "history", time.Now()) // a cursor to start after
	r.setFail(errors.New("liteserver timeout"))
	u := r.reader(t, r.master.Master)
	// Start after the history, not at the newest transaction of the first
	// poll: a payment made before that poll would be taken as history.
	w, err := r.eng.Watch(actors.WatchOptions{Wallet: ton.Raw(r.chain.Wallet()), Source: u.source(),
		Start: r.chain.Head(), Interval: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	want := "degraded — USDT jetton wallet unresolved: ton: read the masterchain head: liteserver timeout"
	if got := tonReadiness(w, u); got != want {
		t.Errorf("/readyz ton line\n got %q\nwant %q", got, want)
	}
	if u.Ready() {
		t.Error("a USDT pay link offered while USDT is not read")
	}
	ctx := context.Background()
	tonInv, err := r.eng.OpenTopUpInvoice(ctx, "ton-top", 1001, domain.TON(2))
	if err != nil {
		t.Fatal(err)
	}
	r.chain.Pay(tontest.Address("payer"), domain.TON(2), tonInv.Code, time.Now())
	waitPaid(t, r.eng, tonInv.Code)

	r.setFail(nil)
	waitFor(t, "USDT to be read", u.Ready)
	if got := tonReadiness(w, u); got != "ok" && got != "degraded" {
		t.Errorf("/readyz ton line after resolving: %q", got)
	}
	usdtInv, err := r.eng.OpenTopUpInvoiceIn(ctx, "usdt-top", 1001, domain.USDT(25))
	if err != nil {
		t.Fatal(err)
	}
	r.notify(false, 25_000_000, usdtInv.Code) // forged first: credits nothing
	r.notify(true, 25_000_000, usdtInv.Code)
	w.Poke()
	waitPaid(t, r.eng, usdtInv.Code)
	if al := r.alerted(); len(al) != 2 || !strings.Contains(al[0], "not being read") || !strings.Contains(al[1], "was not credited") {
		t.Errorf("alerts: %q; want one when USDT stopped being read and one with the unread time", al)
	}
}

func waitPaid(t *testing.T, eng *actors.Engine, code string) {
	t.Helper()
	waitFor(t, "invoice "+code+" paid", func() bool {
		inv, err := eng.Invoice(context.Background(), code)
		return err == nil && inv.Status == domain.InvoicePaid
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestTonReadiness_Off(t *testing.T) {
	if got := tonReadiness(nil, nil); got != "off" {
		t.Errorf("no watcher: %q", got)
	}
}

func TestOneLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{"first\nsecond", "first"},
		{"abcdefgh", "abcde…"},
		{"abcdé", "abcd…"}, // é is two bytes: not cut in half
	} {
		if got := oneLine(tc.in, 5); got != tc.want {
			t.Errorf("oneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
