package fragment

import "testing"

func TestFindAPIHash(t *testing.T) {
	tests := []struct {
		name, page string
		wHash      string
		wOK        bool
	}{
		{"escaped", `<script>ajInit({"version":1,"apiUrl":"\/api?hash=0a1b2c3d4e","unauth":false});</script>`, "0a1b2c3d4e", true},
		{"unescaped", `ajInit({"apiUrl":"/api?hash=deadBEEF"})`, "deadBEEF", true},
		{"absolute escaped", `ajInit({"apiUrl":"https:\/\/fragment.com\/api?hash=ff00"})`, "ff00", true},
		{"absolute", `ajInit({"apiUrl":"https://fragment.com/api?hash=ff01"})`, "ff01", true},
		{"spaced, more params", `ajInit({ "apiUrl" : "\/api?hash=abc&lang=en" })`, "abc", true},
		{"unicode-escaped slash", `{"apiUrl":"\u002Fapi?hash=abc1"}`, "abc1", true},
		{"outside apiUrl", `var u = '\/api?hash=77aa';`, "77aa", true},
		{"not hex", `{"apiUrl":"\/api?hash=xyz"}`, "", false},
		{"another path", `{"apiUrl":"\/other?hash=abc"}`, "", false},
		{"none", `<html><body>Just a moment...</body></html>`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := findAPIHash(tt.page)
			if h != tt.wHash || ok != tt.wOK {
				t.Errorf("findAPIHash = %q, %v; want %q, %v", h, ok, tt.wHash, tt.wOK)
			}
		})
	}
}

func TestLoggedOut(t *testing.T) {
	tests := []struct {
		name, page string
		want       bool
	}{
		{"JS, logged in", `Wallet.init({address: "UQabc", logged_in: true, ton_proof: "p", version: 2});`, false},
		{"JS, logged out", `Wallet.init({address: "", logged_in: false, ton_proof: "p"});`, true},
		{"JSON, logged out", `Wallet.init({"address":"UQabc","logged_in":false});`, true},
		{"empty address only", `Wallet.init({"address":"","logged_in":true});`, true},
		{"null address", `Wallet.init({address:null});`, true},
		{"logged_in 0", `Wallet.init({address:'UQ', logged_in:0})`, true},
		{"no Wallet.init", `ajInit({"apiUrl":"\/api?hash=ab"}); var logged_in = false;`, false},
		{"after the call", `Wallet.init({address:"UQ", logged_in:true}); Other.init({logged_in:false})`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loggedOut(tt.page); got != tt.want {
				t.Errorf("loggedOut = %v, want %v", got, tt.want)
			}
		})
	}
}
