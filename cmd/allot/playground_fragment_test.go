package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"allot/adapters/playground"
)

const playRented = "+88800000001"

// TestPlayground_loginCode is the relay's journey: a customer rents a
// number, logs in from the simulated Telegram app, reads the code through
// the bot (pushed while waiting, then as the latest), and when the rental
// ends Fragment has ended the session and switched codes off.
func TestPlayground_loginCode(t *testing.T) {
	w := newPlayWorld(t, "")
	if n := w.fragmentNumber(playRented); n.CodesOn || n.Sessions != 0 {
		t.Fatalf("before any rental: %+v, want codes off and no session", n)
	}
	w.rent(playAlice, playRented)
	w.waitFragment(playRented, func(n playground.FragmentNumber) bool { return n.CodesOn })

	w.call("POST", "/play/api/send", map[string]string{"user": playAlice, "text": "/start"}, nil)
	w.press(playAlice, w.waitChat(playAlice, "Hello, Alice"), "🗂 My rentals")
	w.press(playAlice, w.waitChat(playAlice, "My rentals"), playRented)
	w.press(playAlice, w.waitChat(playAlice, playRented, "Rented until"), "🔑 Login code")
	w.waitChat(playAlice, "Waiting for a new code")
	var got struct{ Code string }
	if code := w.call("POST", "/play/api/login", map[string]string{"number": playRented}, &got); code != http.StatusOK || len(got.Code) != 5 {
		t.Fatalf("logging in: status %d, code %q", code, got.Code)
	}
	card := w.waitChat(playAlice, "A new login code", got.Code)
	w.press(playAlice, card, "🔑 Login code")
	w.waitChat(playAlice, "The latest login code", got.Code)
	if n := w.fragmentNumber(playRented); n.Sessions != 1 || !n.CodesOn {
		t.Errorf("after logging in: %+v, want one session and codes on", n)
	}

	if _, err := w.eng.CancelRental(context.Background(), "test:cancel", w.pg.owner(), playRented, 0); err != nil {
		t.Fatal(err)
	}
	n := w.waitFragment(playRented, func(n playground.FragmentNumber) bool { return !n.CodesOn && n.Sessions == 0 })
	if n.Ended != 1 {
		t.Errorf("after the rental: %+v, want the sessions ended once", n)
	}
}

func TestPlayground_logInRefused(t *testing.T) {
	w := newPlayWorld(t, "")
	if code := w.call("POST", "/play/api/login", map[string]string{"number": "+88899999999"}, nil); code != http.StatusNotFound {
		t.Errorf("logging in with a number not in the catalogue: status %d, want 404", code)
	}
}

// rent has user rent number for 30 days and pay for it.
func (w *playWorld) rent(user, number string) {
	w.t.Helper()
	w.call("POST", "/play/api/send", map[string]string{"user": user, "text": "/start"}, nil)
	w.press(user, w.waitChat(user, "Hello"), "📱 Numbers")
	w.press(user, w.waitChat(user, "Numbers — page 1"), number)
	w.press(user, w.waitChat(user, number, "Status"), "Rent for 30 days")
	w.press(user, w.waitChat(user, "How do you pay?"), "💎 In TON")
	inv := w.waitChat(user, "Send exactly")
	if code := w.call("POST", "/play/api/pay", map[string]string{"user": user, "code": inv.Invoice.Code}, nil); code != http.StatusOK {
		w.t.Fatalf("pay: status %d", code)
	}
	w.waitChat(user, "Payment received", number)
}

// fragmentNumber is number as the simulated app shows it.
func (w *playWorld) fragmentNumber(number string) playground.FragmentNumber {
	w.t.Helper()
	var v struct{ Numbers []playground.FragmentNumber }
	w.call("GET", "/play/api/fragment", nil, &v)
	for _, n := range v.Numbers {
		if n.Number == number {
			return n
		}
	}
	w.t.Fatalf("%s is not on the simulated app's list: %+v", number, v.Numbers)
	return playground.FragmentNumber{}
}

// waitFragment polls the simulated app's view of number until ok.
func (w *playWorld) waitFragment(number string, ok func(playground.FragmentNumber) bool) playground.FragmentNumber {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := w.fragmentNumber(number)
		if ok(n) {
			return n
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s at Fragment: %+v", number, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
