package main

import "testing"

// TestRunPayments runs -mode payments small, under the race detector when
// asked: TON and USDT payments, forged notifications and re-deliveries,
// every one accounted for per currency.
func TestRunPayments(t *testing.T) {
	res, err := runPayments(flags{txs: 400, fsync: "os", seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"invariants_ok": true, "lost": 0, "duplicates_applied": 0, "misrouted": 0,
		"problems": 0, "forged": 20, "forged_ignored": 20, "forged_counted": uint64(20), "wrong_currency": 20,
		"usdt_txs": 90, "usdt_paid": int64(70), "usdt_credited": int64(70), "usdt_invoices_paid": 40,
		"ton_paid": int64(240), "ton_credited": int64(240)} {
		if res[key] != want {
			t.Errorf("%s = %v (%T), want %v", key, res[key], res[key], want)
		}
	}
	if res["usdt_units_credited"] != res["usdt_units_paid"] || res["ton_units_credited"] != res["ton_units_paid"] {
		t.Errorf("units credited %v TON and %v USDT, paid %v and %v", res["ton_units_credited"],
			res["usdt_units_credited"], res["ton_units_paid"], res["usdt_units_paid"])
	}
}
