package playground

import (
	"os"
	"path/filepath"
	"testing"

	"allot/domain"
)

func TestReadTransfers_tornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chain.jsonl")
	good := `{"from":"a","amount":5,"comment":"X","at":1}` + "\n"
	if err := os.WriteFile(path, []byte(good+`{"from":"b","amo`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, n, err := readTransfers(path)
	if err != nil || len(got) != 1 || got[0].From != "a" || n != int64(len(good)) {
		t.Fatalf("read %+v, %d, %v: want the whole first line only", got, n, err)
	}
	f, err := openHistory(path, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSynced(f, []byte(`{"from":"c","amount":1,"comment":"Y","at":2}`+"\n")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _, err = readTransfers(path)
	if err != nil || len(got) != 2 || got[1].From != "c" {
		t.Fatalf("after an append: %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("garbage\n"+good), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readTransfers(path); err == nil {
		t.Error("a bad line before the last was accepted")
	}
}

// TestReadTransfers_currency checks chain.jsonl's currency field: absent
// is TON (every line from before USDT), "USDT" is a jetton payment, and
// any other is refused rather than replayed as TON.
func TestReadTransfers_currency(t *testing.T) {
	cases := []struct {
		name, line string
		wCurrency  domain.Currency
		wErr       bool
	}{
		{"from before USDT", `{"from":"a","amount":5,"comment":"X","at":1}`, domain.CurrencyTON, false},
		{"USDT", `{"from":"a","amount":25000000,"comment":"X","at":1,"currency":"USDT"}`, domain.CurrencyUSDT, false},
		{"an unknown currency", `{"from":"a","amount":5,"comment":"X","at":1,"currency":"DOGE"}`, 0, true},
		{"USDT misspelt", `{"from":"a","amount":5,"comment":"X","at":1,"currency":"usdt"}`, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "chain.jsonl")
			if err := os.WriteFile(path, []byte(c.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			got, _, err := readTransfers(path)
			if c.wErr {
				if err == nil {
					t.Fatalf("read %+v, want an error", got)
				}
				return
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("read %+v, %v", got, err)
			}
			if cur, err := got[0].currency(); err != nil || cur != c.wCurrency {
				t.Errorf("currency %s, %v; want %s", cur, err, c.wCurrency)
			}
		})
	}
}
