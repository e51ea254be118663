package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlayground_browser is the playground's acceptance journey in headless
// Chromium, clicking as a person would: a customer opens the page, starts
// the bot, opens the catalogue, rents a number paying in TON, presses the
// simulated wallet's pay button, and the page shows the bot's
// confirmation; then presses «🔑 Login code», logs in from the simulated
// Telegram app, gets the code pushed, and after the rental is cancelled
// the app shows Fragment's sessions ended and codes off. A screenshot of
// the end is kept under ARTIFACTS_DIR (or the test's temporary directory).
func TestPlayground_browser(t *testing.T) {
	w, b, ctx := startBrowserJourney(t)
	shoot := func(name string) {
		dir := os.Getenv("ARTIFACTS_DIR")
		if dir == "" {
			dir = t.TempDir()
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, b.screenshot(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
	defer func() {
		if t.Failed() {
			shoot("playground-journey-failed.png")
		}
	}()

	b.navigate(w.srv.URL + "/")
	b.waitFor(ctx, "the people", `document.querySelectorAll("#people button").length >= 4`)
	b.click(ctx, "#people button", "Alice")
	b.waitFor(ctx, "a chat ready for Alice", `!document.querySelector("#text").disabled && document.activeElement === document.querySelector("#text")`)
	b.typeText("/start")
	b.waitFor(ctx, "the menu", botSays("Hello, Alice"))

	b.click(ctx, ".msg.bot .kbbtn", "📱 Numbers")
	b.waitFor(ctx, "the catalogue", botSays("Numbers — page 1"))
	b.click(ctx, ".msg.bot .kbbtn", "+88800000001")
	b.click(ctx, ".msg.bot .kbbtn", "Rent for 30 days")
	b.click(ctx, ".msg.bot .kbbtn", "💎 In TON")
	b.waitFor(ctx, "the invoice with its QR code", invoiceShown)
	b.click(ctx, ".msg.bot button.pay", "💎 Pay")
	b.waitFor(ctx, "the confirmation", botSays("Payment received")+" && "+botSays("+88800000001"))
	b.waitFor(ctx, "the engine's actors beside the chat", `document.querySelectorAll("#actors tbody tr").length > 0`)

	browseLoginCode(ctx, t, b, w, shoot)

	for _, l := range b.logs {
		if strings.HasPrefix(l, "Runtime.exceptionThrown") {
			t.Errorf("the page threw: %s", l)
		}
	}
	if n := w.pg.fake.Stats().Updates; n < 5 {
		t.Errorf("the fake Bot API saw %d updates from the page, want the journey's", n)
	}
}

// browseLoginCode is the journey's login code: asked for first, so the
// bot waits and pushes it when the simulated Telegram app logs in; then the
// rental is cancelled and Fragment ends the session and switches codes off.
func browseLoginCode(ctx context.Context, t testing.TB, b *browser, w *playWorld, shoot func(string)) {
	t.Helper()
	b.waitFor(ctx, "codes on at Fragment while rented", fragmentRow("+88800000001", "rented", "on", "0"))
	b.click(ctx, ".msg.bot .kbbtn", "🗂 My rentals")
	b.waitFor(ctx, "the rentals", botSays("My rentals"))
	b.click(ctx, ".msg.bot .kbbtn", "+88800000001")
	b.waitFor(ctx, "the rental card", botSays("Rented until"))
	b.click(ctx, ".msg.bot .kbbtn", "🔑 Login code")
	b.waitFor(ctx, "the bot waiting for a code", botSays("Waiting for a new code"))
	if err := b.eval(`(() => { const s = document.querySelector("#app-number"); s.value = "+88800000001"; return s.value; })()`, nil); err != nil {
		t.Fatal(err)
	}
	b.click(ctx, "#app-login", "Log in with this number")
	b.waitFor(ctx, "the code pushed by the bot", botSays("A new login code"))
	b.waitFor(ctx, "a session at Fragment", fragmentRow("+88800000001", "rented", "on", "1"))
	b.waitFor(ctx, "the page at rest", `document.getAnimations().length === 0`)
	shoot("playground-journey.png")

	if _, err := w.eng.CancelRental(ctx, "browser:cancel", w.pg.owner(), "+88800000001", 0); err != nil {
		t.Fatal(err)
	}
	b.waitFor(ctx, "the sessions ended and codes off", fragmentRow("+88800000001", "", "off", "0"))
}

// startBrowserJourney starts a playground and headless Chromium, and gives
// the journey 25 seconds. Without Chromium the test is skipped.
func startBrowserJourney(t *testing.T) (*playWorld, *browser, context.Context) {
	t.Helper()
	path := chromium()
	if path == "" {
		t.Skip("headless Chromium is not installed: `apt-get install chromium` to run the playground's browser journey")
	}
	w := newPlayWorld(t, "")
	b := startBrowser(t, path, 1400, 900)
	// A journey takes a few seconds alone; under make test's load, with
	// every package's tests on two cores, one took over 25 s.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return w, b, ctx
}

// TestPlayground_browserUSDT is a USDT rental in headless Chromium: the
// simulated wallet's button names the invoice's currency, pays it, and
// the page shows the bot's confirmation.
func TestPlayground_browserUSDT(t *testing.T) {
	w, b, ctx := startBrowserJourney(t)
	b.navigate(w.srv.URL + "/")
	b.waitFor(ctx, "the people", `document.querySelectorAll("#people button").length >= 4`)
	b.click(ctx, "#people button", "Alice")
	b.waitFor(ctx, "a chat ready for Alice", `!document.querySelector("#text").disabled`)
	b.typeText("/start")
	b.waitFor(ctx, "the menu", botSays("Hello, Alice"))
	b.click(ctx, ".msg.bot .kbbtn", "📱 Numbers")
	b.click(ctx, ".msg.bot .kbbtn", "+88800000007")
	b.click(ctx, ".msg.bot .kbbtn", "Rent for 30 days")
	b.click(ctx, ".msg.bot .kbbtn", "💎 In USDT")
	b.waitFor(ctx, "the invoice with its QR code", invoiceShown)
	b.click(ctx, ".msg.bot button.pay", "💎 Pay 25 USDT from the simulated wallet")
	b.waitFor(ctx, "the button saying what was sent",
		`[...document.querySelectorAll(".msg.bot button.pay")].some((e) => e.textContent.startsWith("Sent 25 USDT ✓"))`)
	b.waitFor(ctx, "the confirmation", botSays("Payment received")+" && "+botSays("+88800000007"))
}

// invoiceShown is a JavaScript condition: the chat shows an invoice with
// its QR code drawn, so the page no longer shifts under the mouse.
const invoiceShown = `[...document.querySelectorAll("#messages .msg.bot .text")].some((e) => e.textContent.includes("Send exactly"))` +
	` && [...document.querySelectorAll(".msg.bot img.photo")].some((i) => i.complete && i.naturalWidth > 0)`

// fragmentRow is a JavaScript condition: the simulated app's table shows
// number with status (any when ""), codes and sessions.
func fragmentRow(number, status, codes, sessions string) string {
	return `[...document.querySelectorAll("#fragment tbody tr")].some((r) => { const c = [...r.cells].map((c) => c.textContent);` +
		` return c[0] === ` + jsString(number) + ` && (` + jsString(status) + ` === "" || c[1] === ` + jsString(status) + `)` +
		` && c[2] === ` + jsString(codes) + ` && c[3] === ` + jsString(sessions) + `; })`
}

// botSays is a JavaScript condition: a bot message in the chat contains text.
func botSays(text string) string {
	return `[...document.querySelectorAll("#messages .msg.bot .text")].some((e) => e.textContent.includes(` + jsString(text) + `))`
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
