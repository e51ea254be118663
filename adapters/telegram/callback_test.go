package telegram

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"allot/domain"
)

func TestCallback_RoundTrip(t *testing.T) {
	data, err := EncodeCallback("pay", "+88800000001", "30", "b", "Xk3f9a")
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCallback(data)
	if err != nil || c.Action != "pay" || len(c.Args) != 4 {
		t.Fatalf("%q → %+v, %v", data, c, err)
	}
	if n, err := c.Number(0); err != nil || n != "+88800000001" {
		t.Fatalf("number %q %v", n, err)
	}
	if d, err := c.Int(1); err != nil || d != 30 {
		t.Fatalf("days %d %v", d, err)
	}
	if _, err := c.Int(2); !errors.Is(err, ErrStaleButton) {
		t.Fatal("a letter read as an int")
	}
}

func TestCallback_Refusals(t *testing.T) {
	for _, bad := range []struct {
		action string
		args   []string
	}{
		{"nope", nil},
		{"cat", nil},
		{"cat", []string{"1", "2"}},
		{"num", []string{"a:b", "1"}},
		{"pay", []string{strings.Repeat("9", 60), "30", "b", "x"}},
	} {
		if _, err := EncodeCallback(bad.action, bad.args...); err == nil {
			t.Errorf("EncodeCallback(%q, %q) accepted", bad.action, bad.args)
		}
	}
	for _, data := range []string{"", "1", "2:menu", "1:menu:x", "1:cat", "1:cat:", "1:unknown:1", "0:cat:1",
		strings.Repeat("1", 65), "1:num:+888:"} {
		if _, err := DecodeCallback(data); !errors.Is(err, ErrStaleButton) {
			t.Errorf("DecodeCallback(%q) = %v, want ErrStaleButton", data, err)
		}
	}
}

func TestCallback_EveryActionFitsWithLongArguments(t *testing.T) {
	// the longest arguments the bot puts in buttons: a number, a period, a nonce
	// and for distribution a kind, a region, a count, a variant and a nonce
	long := map[int][]string{0: nil, 1: {"+88800000001"}, 2: {"+88800000001", "365"},
		3: {"email_rambler", "495", "5"},
		4: {"+88800000001", "365", "t", "ABCDEFGH"},
		5: {"email_rambler", "495", "5", "female", "ABCDEFGH"}}
	for action, a := range actions {
		n := a.args
		if _, err := EncodeCallback(action, long[n]...); err != nil {
			t.Errorf("%s: %v", action, err)
		}
	}
}

func FuzzDecodeCallback(f *testing.F) {
	for _, s := range []string{"1:menu", "1:pay:+88800000001:30:b:x", "1:cat:0", "::::", "1:num:+888 0000 0001:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		c, err := DecodeCallback(data)
		if err != nil {
			return
		}
		if len(data) > MaxCallbackBytes || actions[c.Action].args != len(c.Args) {
			t.Fatalf("accepted %q as %+v", data, c)
		}
		for i := range c.Args {
			_, _ = c.Int(i)
			_, _ = c.Number(i)
		}
		again, err := EncodeCallback(c.Action, c.Args...)
		if err != nil || again != data {
			t.Fatalf("%q decodes but re-encodes as %q, %v", data, again, err)
		}
	})
}

func TestCallback_User(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want domain.UserID
		wErr error
	}{
		{"1001", 1001, nil},
		{"5000000567", 5000000567, nil}, // real Telegram ids are past Int's bound
		{"4503599627370496", 1 << 52, nil},
		{"4503599627370497", 0, ErrStaleButton},
		{"0", 0, ErrStaleButton},
		{"-5", 0, ErrStaleButton},
		{"x", 0, ErrStaleButton},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			got, err := Callback{Action: "sapv", Args: []string{tc.arg, "1"}}.User(0)
			if got != tc.want || !errors.Is(err, tc.wErr) && !(err == nil && tc.wErr == nil) {
				t.Errorf("User = %d, %v; want %d, %v", got, err, tc.want, tc.wErr)
			}
		})
	}
}

// callbackActions lists every action of the vocabulary, sorted.
func callbackActions() []string { return slices.Sorted(maps.Keys(actions)) }
