package fragment

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseCookies(t *testing.T) {
	const full = "stel_ssid=s1d; stel_dt=-180; stel_token=t0k; stel_ton_token=t0n"
	tests := []struct {
		name, in   string
		wHeader    string
		wErrSubstr string
	}{
		{name: "all four", in: full, wHeader: full},
		{name: "Cookie: prefix, spaces, trailing ;", in: "Cookie:  stel_ssid = s1d ;stel_token=t0k;stel_ton_token=t0n; stel_dt=60;",
			wHeader: "stel_ssid=s1d; stel_dt=60; stel_token=t0k; stel_ton_token=t0n"},
		{name: "stel_dt defaults to -180", in: "stel_ssid=s1d; stel_token=t0k; stel_ton_token=t0n", wHeader: full},
		{name: "quoted value", in: `stel_ssid="s1d"; stel_token=t0k; stel_ton_token=t0n`, wHeader: full},
		{name: "other cookies kept", in: full + "; cf_clearance=abc.def-1", wHeader: full + "; cf_clearance=abc.def-1"},
		{name: "empty", in: "", wErrSubstr: "missing or empty stel_ssid, stel_token, stel_ton_token"},
		{name: "no TON login", in: "stel_ssid=s1d; stel_token=t0k", wErrSubstr: "missing or empty stel_ton_token"},
		{name: "empty token", in: "stel_ssid=s1d; stel_token=; stel_ton_token=t0n", wErrSubstr: "missing or empty stel_token"},
		{name: "stel_dt out of range", in: "stel_ssid=s1d; stel_dt=99999; stel_token=t0k; stel_ton_token=t0n", wErrSubstr: "stel_dt is not"},
		{name: "stel_dt not minutes", in: "stel_ssid=s1d; stel_dt=zz; stel_token=t0k; stel_ton_token=t0n", wErrSubstr: "stel_dt is not a timezone offset"},
		{name: "twice", in: full + "; stel_token=t0k2", wErrSubstr: "stel_token given twice"},
		{name: "a pasted value", in: "s3cr3tvalue; " + full, wErrSubstr: "item 1 is not name=value"},
		{name: "unknown name with a bad value", in: full + `; s3cr3tname=a"b`, wErrSubstr: "the cookie at item 5 has characters"},
		{name: "space inside a value", in: "stel_ssid=s1d x; stel_token=t0k; stel_ton_token=t0n", wErrSubstr: "stel_ssid has characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCookies(tt.in)
			if tt.wErrSubstr != "" {
				if !errors.Is(err, ErrBadCookies) || !strings.Contains(err.Error(), tt.wErrSubstr) {
					t.Fatalf("err = %v, want ErrBadCookies with %q", err, tt.wErrSubstr)
				}
				for _, secret := range []string{"s1d", "t0k", "t0n", "s3cr3t", "UTC", "zz", "99999"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error echoes %q: %v", secret, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.header(); got != tt.wHeader {
				t.Errorf("header = %q, want %q", got, tt.wHeader)
			}
		})
	}
}

// errorWords are the only words an error of ParseCookies may hold.
var errorWords = map[string]bool{}

func init() {
	for _, w := range regexp.MustCompile(`[A-Za-z_]+`).FindAllString(`fragment bad cookies item is not name value
		given twice has characters a cookie cannot hold the at stel_dt timezone offset in minutes empty
		missing or stel_ssid stel_token stel_ton_token`, -1) {
		errorWords[w] = true
	}
}

// FuzzParseCookies: no panic; what parses prints back to itself; an error
// is made of its own words and item numbers only, never of the input.
func FuzzParseCookies(f *testing.F) {
	f.Add("stel_ssid=a; stel_dt=-180; stel_token=b; stel_ton_token=c")
	f.Add("Cookie: stel_ssid=\"a\"; stel_token=b; stel_ton_token=c; x=y")
	f.Add("stel_ssid=a;;stel_ssid=b")
	f.Add("=;=;stel_dt=1e9")
	words := regexp.MustCompile(`[A-Za-z_]+`)
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseCookies(in)
		if err != nil {
			if !errors.Is(err, ErrBadCookies) {
				t.Fatalf("%v does not wrap ErrBadCookies", err)
			}
			for _, w := range words.FindAllString(err.Error(), -1) {
				if !errorWords[w] {
					t.Fatalf("the error holds %q, not one of its own words: %v", w, err)
				}
			}
			return
		}
		again, err := ParseCookies(c.header())
		if err != nil || again.header() != c.header() {
			t.Fatalf("%q parsed, but its header %q does not parse back (%v)", in, c.header(), err)
		}
	})
}
