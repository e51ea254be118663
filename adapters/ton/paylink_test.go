package ton_test

import (
	"bytes"
	"errors"
	"image/png"
	"net/url"
	"strings"
	"testing"

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
