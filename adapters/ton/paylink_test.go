package ton_test

import (
	"bytes"
	"errors"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xssnick/tonutils-go/address"

	"allot/adapters/ton"
	"allot/domain"
)

func TestNewPayLink(t *testing.T) {
	for _, tc := range []struct {
		name     string
		testnet  bool
		amount   domain.Nano
		comment  string
		wTON     string
		wQuery   string
		wAddrPfx string
	}{
		{"plain", false, domain.TON(3) / 2, "K7QM-3XHA", "1.5", "amount=1500000000&text=K7QM-3XHA", "UQ"},
		{"spaces and ampersand", false, 1, "rent K7QM 3XHA & more+", "0.000000001",
			"amount=1&text=rent%20K7QM%203XHA%20%26%20more%2B", "UQ"},
		{"no comment", false, domain.TON(12), "", "12", "amount=12000000000", "UQ"},
		{"testnet", true, domain.TON(1), "Тест", "1", "amount=1000000000&text=%D0%A2%D0%B5%D1%81%D1%82", "0Q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ton.NewPayLink(wallet, tc.testnet, tc.amount, tc.comment)
			if err != nil {
				t.Fatal(err)
			}
			if l.AmountTON != tc.wTON || l.AmountNano != tc.amount || l.Comment != tc.comment || !strings.HasPrefix(l.Address, tc.wAddrPfx) {
				t.Errorf("link %+v", l)
			}
			if w := "https://app.tonkeeper.com/transfer/" + l.Address + "?" + tc.wQuery; l.HTTPS != w {
				t.Errorf("HTTPS\n got %s\nwant %s", l.HTTPS, w)
			}
			if w := "ton://transfer/" + l.Address + "?" + tc.wQuery; l.TonURI != w {
				t.Errorf("TonURI\n got %s\nwant %s", l.TonURI, w)
			}
			for _, link := range []string{l.HTTPS, l.TonURI} {
				u, err := url.Parse(link)
				if err != nil {
					t.Fatalf("%s: %v", link, err)
				}
				if q := u.Query(); q.Get("text") != tc.comment || q.Get("amount") != strings.TrimPrefix(strings.Split(tc.wQuery, "&")[0], "amount=") {
					t.Errorf("%s decodes to %v", link, q)
				}
			}
			back, err := ton.ParseWallet(l.Address, tc.testnet)
			if err != nil || !back.Equals(wallet) || back.IsBounceable() {
				t.Errorf("address %s reads back as %v (bounceable %v), %v", l.Address, back, back != nil && back.IsBounceable(), err)
			}
		})
	}
}

func TestNewPayLink_Refuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		amount domain.Nano
	}{
		{"zero", 0}, {"negative", -5}, {"beyond MaxAmount", domain.MaxAmount + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ton.NewPayLink(wallet, false, tc.amount, "x"); !errors.Is(err, ton.ErrBadLink) {
				t.Errorf("NewPayLink(%d) = %v, want ErrBadLink", tc.amount, err)
			}
		})
	}
	if _, err := ton.NewPayLink(nil, false, 1, "x"); !errors.Is(err, ton.ErrBadLink) {
		t.Errorf("no wallet: %v", err)
	}
}

func TestQRPNG(t *testing.T) {
	l, err := ton.NewPayLink(wallet, false, domain.TON(1), "rent K7QM 3XHA & more")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ton.QRPNG(l.HTTPS, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Errorf("image is %v, want 256×256", r)
	}
	for _, tc := range []struct {
		link string
		px   int
	}{{"", 256}, {l.HTTPS, 0}, {l.HTTPS, -5}, {l.HTTPS, ton.MaxQRSize + 1}} {
		if _, err := ton.QRPNG(tc.link, tc.px); !errors.Is(err, ton.ErrBadLink) {
			t.Errorf("QRPNG(%q, %d) = %v, want ErrBadLink", tc.link, tc.px, err)
		}
	}
}

func TestNewPayLinkIn_USDT(t *testing.T) {
	for _, tc := range []struct {
		name    string
		testnet bool
		m       domain.Money
		comment string
		wQuery  string
		wText   string
	}{
		{"whole", false, domain.USDT(25), "K7QM-3XHA",
			"jetton=" + ton.USDTMaster + "&amount=25000000&text=K7QM-3XHA", "25 USDT"},
		{"cents", false, domain.Money{Currency: domain.CurrencyUSDT, Units: 1_500_001}, "rent K7QM & more+",
			"jetton=" + ton.USDTMaster + "&amount=1500001&text=rent%20K7QM%20%26%20more%2B", "1.500001 USDT"},
		{"no comment", false, domain.USDT(1), "", "jetton=" + ton.USDTMaster + "&amount=1000000", "1 USDT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ton.NewPayLinkIn(wallet, tc.testnet, tc.m, tc.comment, usdtMaster)
			if err != nil {
				t.Fatal(err)
			}
			if l.Amount != tc.m || l.AmountText != tc.wText || l.Jetton != ton.USDTMaster || l.Comment != tc.comment {
				t.Errorf("link %+v", l)
			}
			if l.AmountTON != "" || l.AmountNano != 0 {
				t.Errorf("a USDT link shows a TON amount: %q, %d", l.AmountTON, l.AmountNano)
			}
			// The recipient is our wallet, exactly as on a TON link.
			tonLink, _ := ton.NewPayLink(wallet, tc.testnet, 1, "x")
			if l.Address != tonLink.Address {
				t.Errorf("recipient %s, want our wallet %s", l.Address, tonLink.Address)
			}
			if w := "https://app.tonkeeper.com/transfer/" + l.Address + "?" + tc.wQuery; l.HTTPS != w {
				t.Errorf("HTTPS\n got %s\nwant %s", l.HTTPS, w)
			}
			if w := "ton://transfer/" + l.Address + "?" + tc.wQuery; l.TonURI != w {
				t.Errorf("TonURI\n got %s\nwant %s", l.TonURI, w)
			}
			for _, link := range []string{l.HTTPS, l.TonURI} {
				checkJettonQuery(t, link, tc.m, tc.comment)
			}
		})
	}
}

// checkJettonQuery decodes link as a wallet would: exactly the parameters
// Tonkeeper accepts, the master readable and the amount in units.
func checkJettonQuery(t *testing.T, link string, m domain.Money, comment string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	q := u.Query()
	for k, v := range q {
		if (k != "jetton" && k != "amount" && k != "text") || len(v) != 1 {
			t.Errorf("%s: parameter %s=%v, which Tonkeeper refuses", link, k, v)
		}
	}
	master, err := address.ParseAddr(q.Get("jetton"))
	if err != nil || !master.Equals(usdtMaster) || !master.IsBounceable() {
		t.Errorf("%s: jetton %q reads as %v, %v", link, q.Get("jetton"), master, err)
	}
	if q.Get("amount") != strconv.FormatInt(m.Units, 10) || q.Get("text") != comment {
		t.Errorf("%s decodes to %v", link, q)
	}
}

func TestNewPayLinkIn_TestnetMaster(t *testing.T) {
	l, err := ton.NewPayLinkIn(wallet, true, domain.USDT(2), "C", usdtMaster)
	if err != nil {
		t.Fatal(err)
	}
	m, err := address.ParseAddr(l.Jetton)
	if err != nil || !m.IsTestnetOnly() || !m.Equals(usdtMaster) || !strings.HasPrefix(l.Address, "0Q") {
		t.Errorf("testnet link %+v: master %v, %v", l, m, err)
	}
}

// A TON amount makes the TON link whatever master is passed: the bot may
// pass the USDT master for every invoice.
func TestNewPayLinkIn_TON(t *testing.T) {
	want, err := ton.NewPayLink(wallet, false, domain.TON(3)/2, "K7QM")
	if err != nil {
		t.Fatal(err)
	}
	for _, master := range []*address.Address{nil, usdtMaster} {
		l, err := ton.NewPayLinkIn(wallet, false, domain.TONMoney(domain.TON(3)/2), "K7QM", master)
		if err != nil || l != want || l.Jetton != "" || l.AmountText != "1.5 TON" || l.Amount != domain.TONMoney(domain.TON(3)/2) {
			t.Errorf("TON link with master %v: %+v, %v; want %+v", master, l, err, want)
		}
	}
}

func TestNewPayLinkIn_Refuses(t *testing.T) {
	usdt := domain.CurrencyUSDT
	for _, tc := range []struct {
		name   string
		m      domain.Money
		master *address.Address
	}{
		{"USDT without a master", domain.USDT(1), nil},
		{"zero USDT", domain.Money{Currency: usdt}, usdtMaster},
		{"negative USDT", domain.Money{Currency: usdt, Units: -1}, usdtMaster},
		{"USDT beyond its maximum", domain.Money{Currency: usdt, Units: usdt.MaxUnits() + 1}, usdtMaster},
		{"TON beyond its maximum", domain.TONMoney(domain.MaxAmount + 1), nil},
		{"unknown currency", domain.Money{Currency: 9, Units: 1}, usdtMaster},
		{"master not a contract", domain.USDT(1), address.NewAddressNone()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if l, err := ton.NewPayLinkIn(wallet, false, tc.m, "x", tc.master); !errors.Is(err, ton.ErrBadLink) {
				t.Errorf("NewPayLinkIn(%+v) = %+v, %v; want ErrBadLink", tc.m, l, err)
			}
		})
	}
	if _, err := ton.NewPayLinkIn(nil, false, domain.USDT(1), "x", usdtMaster); !errors.Is(err, ton.ErrBadLink) {
		t.Errorf("no wallet: %v", err)
	}
}
