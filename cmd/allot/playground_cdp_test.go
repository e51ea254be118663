package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// A browser driven through the Chrome DevTools protocol over a pipe
// (--remote-debugging-pipe): Chromium reads commands on its fd 3 and
// writes answers and events on its fd 4, each a JSON object ended by a
// NUL byte. No WebSocket and no library is needed for that.

// browser is a headless Chromium with one page attached.
type browser struct {
	t       testing.TB
	cmd     *exec.Cmd
	out     io.WriteCloser
	session string
	clicks  int // clicks made, each one's token for the page; the test's goroutine only

	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	logs    []string // console messages and uncaught exceptions of the page
	stopped chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// chromium finds a Chromium or Chrome to drive, or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts headless Chromium and opens a blank page of w×h.
func startBrowser(t testing.TB, path string, w, h int) *browser {
	t.Helper()
	toChrome, ours, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	theirs, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// No sandbox: tests may run as root, where Chromium refuses it; the
	// only page loaded is ours, on loopback.
	cmd := exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", fmt.Sprintf("--window-size=%d,%d", w, h))
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // its fd 3 and fd 4
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &browser{t: t, cmd: cmd, out: ours, pending: map[int]chan cdpMessage{}, stopped: make(chan struct{})}
	go b.read(theirs)
	t.Cleanup(func() {
		b.close()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("chromium's stderr:\n%s", stderr.String())
		}
	})
	b.open(w, h)
	return b
}

// open creates a page, attaches to it and enables what the test reads.
func (b *browser) open(w, h int) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.do("Runtime.enable", nil)
	b.do("Page.enable", nil)
	b.do("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": h, "deviceScaleFactor": 1, "mobile": false})
}

func (b *browser) close() {
	_ = b.out.Close() // Chromium exits when its command pipe closes
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
}

// read dispatches answers to their callers and keeps the page's logs.
func (b *browser) read(r io.ReadCloser) {
	defer close(b.stopped)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if ch := b.pending[m.ID]; m.ID != 0 && ch != nil {
			delete(b.pending, m.ID)
			ch <- m
		} else if m.Method == "Runtime.exceptionThrown" || m.Method == "Runtime.consoleAPICalled" {
			b.logs = append(b.logs, m.Method+" "+string(m.Params))
		}
		b.mu.Unlock()
	}
}

// call sends a command (to the page's session unless session is "" for
// the browser) and decodes its result into out.
func (b *browser) call(session, method string, params, out any) {
	b.t.Helper()
	if err := b.try(session, method, params, out); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
}

func (b *browser) try(session, method string, params, out any) error {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": orEmpty(params), "sessionId": session})
	if err != nil {
		return err
	}
	if _, err := b.out.Write(append(msg, 0)); err != nil {
		return err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%d %s", m.Error.Code, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-b.stopped:
		return errors.New("chromium has exited")
	case <-time.After(20 * time.Second):
		return errors.New("no answer in 20 s")
	}
}

func orEmpty(p any) any {
	if p == nil {
		return map[string]any{}
	}
	return p
}

// do sends a command to the page.
func (b *browser) do(method string, params any) { b.t.Helper(); b.call(b.session, method, params, nil) }

// navigate loads url in the page.
func (b *browser) navigate(url string) {
	b.t.Helper()
	b.do("Page.navigate", map[string]any{"url": url})
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func (b *browser) eval(expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := b.try(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r); err != nil {
		return err
	}
	if r.Exception != nil {
		return fmt.Errorf("%s %s", r.Exception.Text, r.Exception.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// waitFor waits until the expression is true, as the page draws what
// polling brought; what says what is awaited, for the failure.
func (b *browser) waitFor(ctx context.Context, what, expr string) {
	b.t.Helper()
	if ok, err := b.within(ctx, 0, expr); !ok {
		var text string
		_ = b.eval(`document.querySelector("#messages") ? document.querySelector("#messages").innerText : document.body.innerText`, &text)
		b.t.Fatalf("the page never showed %s (last error %v); the chat shows:\n%s\npage logs: %q", what, err, text, b.logs)
	}
}

// click clicks, with the mouse, the last element matching selector whose
// text starts with label (any text when label is ""). The click is made
// again until the page saw it land on such an element: between finding
// the element and the mouse reaching it the page may redraw the chat or a
// picture may load and shift it, and a click on the empty place it left
// would otherwise be lost without a word.
func (b *browser) click(ctx context.Context, selector, label string) {
	b.t.Helper()
	b.clicks++
	// A capturing listener on the document sees every click first, on
	// whichever element is under the mouse, old or redrawn.
	arm := fmt.Sprintf(`(() => {
		const token = %d;
		const seen = (ev) => {
			const e = ev.target.closest(%q);
			if (!e || !e.textContent.trim().startsWith(%q)) return;
			window.__clicked = token;
			document.removeEventListener("click", seen, true);
		};
		document.addEventListener("click", seen, true);
		return true;
	})()`, b.clicks, selector, label)
	if err := b.eval(arm, nil); err != nil {
		b.t.Fatalf("arming the click on %s %q: %v", selector, label, err)
	}
	find := fmt.Sprintf(`(() => {
		const els = [...document.querySelectorAll(%q)].filter((e) => e.textContent.trim().startsWith(%q) && !e.disabled);
		const e = els[els.length - 1];
		if (!e) return null;
		e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2};
	})()`, selector, label)
	landed := fmt.Sprintf(`window.__clicked === %d`, b.clicks)
	for {
		var at *struct{ X, Y float64 }
		b.waitFor(ctx, fmt.Sprintf("%s %q", selector, label), fmt.Sprintf("%s !== null", find))
		if err := b.eval(find, &at); err != nil {
			b.t.Fatalf("finding %s %q: %v", selector, label, err)
		}
		if at == nil {
			continue // gone between the wait and the look: wait again
		}
		for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
			b.do("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": at.X, "y": at.Y, "button": "left", "clickCount": 1})
		}
		if ok, _ := b.within(ctx, 5*time.Second, landed); ok {
			return
		}
	}
}

// within reports whether the expression became true within d (no limit
// when 0) and before ctx ended, polling as the page draws; err is the
// last evaluation's error.
func (b *browser) within(ctx context.Context, d time.Duration, expr string) (bool, error) {
	var deadline <-chan time.Time // nil: never
	if d > 0 {
		deadline = time.After(d)
	}
	for {
		var ok bool
		err := b.eval(expr, &ok)
		if err == nil && ok {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, err
		case <-deadline:
			return false, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// typeText types text into the focused element and presses Enter.
func (b *browser) typeText(text string) {
	b.t.Helper()
	b.do("Input.insertText", map[string]any{"text": text})
	for _, typ := range []string{"keyDown", "keyUp"} {
		b.do("Input.dispatchKeyEvent", map[string]any{"type": typ, "key": "Enter", "code": "Enter",
			"windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13, "text": "\r"})
	}
}

// screenshot returns the page as a PNG.
func (b *browser) screenshot() []byte {
	b.t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	b.call(b.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	return png
}
