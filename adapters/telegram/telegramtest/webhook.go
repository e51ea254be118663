package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/mymmrac/telego"
)

// Webhook retry pauses: short, because the receiver is a test on loopback.
const (
	hookRetryMin = 50 * time.Millisecond
	hookRetryMax = 2 * time.Second
)

// webhook is the webhook setting and its sender.
type webhook struct {
	url, secret    string
	maxConnections int
	lastErrorDate  int64
	lastError      string
	nextSet        time.Time // Telegram takes a new URL at most once a second
	sender         *hookSender
}

// hookSender is the goroutine that POSTs queued updates to the webhook.
// Changing the webhook stops it between deliveries, so an update the
// receiver took leaves the queue; Close also cuts a delivery short.
type hookSender struct {
	url, secret string
	quit        chan struct{}      // stop after the delivery under way
	ctx         context.Context    // cancelled to stop at once
	cancel      context.CancelFunc //
	done        chan struct{}
	client      *http.Client
}

func (s *Server) setWebhook(_ context.Context, c *call) (result, *apiError) {
	raw := string(c.p.URL)
	if raw == "" {
		return s.removeWebhook(bool(c.p.DropPending))
	}
	if e := checkWebhook(raw, string(c.p.SecretToken)); e != nil {
		return result{}, e
	}
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.mu.Lock()
	h := &s.hook
	now := s.now()
	if s.cfg.limits != (Limits{}) && now.Before(h.nextSet) {
		s.mu.Unlock()
		return result{}, tooManyRequests(1)
	}
	h.nextSet = now.Add(time.Second)
	if e := s.setAllowedLocked(c.p.AllowedUpdates); e != nil {
		s.mu.Unlock()
		return result{}, e
	}
	if c.p.DropPending {
		s.queue = nil
	}
	if h.url == raw && h.secret == string(c.p.SecretToken) {
		s.mu.Unlock()
		return result{value: true, note: "Webhook is already set"}, nil
	}
	s.abortPollLocked(conflict("terminated by setWebhook request"))
	old := h.sender
	h.url, h.secret, h.sender = raw, string(c.p.SecretToken), nil
	h.maxConnections = int(c.p.MaxConnections)
	if h.maxConnections <= 0 {
		h.maxConnections = 40
	}
	s.mu.Unlock()
	old.stop(false)
	s.startSender(raw, string(c.p.SecretToken))
	return result{value: true, note: "Webhook was set"}, nil
}

// checkWebhook validates a webhook URL and secret the way Telegram does,
// except that plain http is allowed so tests can listen on loopback.
func checkWebhook(raw, secret string) *apiError {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	if len(secret) > 256 {
		return badRequest("secret token is too long")
	}
	for _, r := range secret {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return badRequest("secret token contains unallowed characters")
		}
	}
	return nil
}

func (s *Server) deleteWebhook(_ context.Context, c *call) (result, *apiError) {
	return s.removeWebhook(bool(c.p.DropPending))
}

func (s *Server) removeWebhook(drop bool) (result, *apiError) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.mu.Lock()
	if drop {
		s.queue = nil
	}
	was := s.hook.url != ""
	old := s.hook.sender
	s.hook = webhook{nextSet: s.hook.nextSet}
	s.mu.Unlock()
	old.stop(false)
	if !was {
		return result{value: true, note: "Webhook is already deleted"}, nil
	}
	return result{value: true, note: "Webhook was deleted"}, nil
}

func (s *Server) getWebhookInfo(_ context.Context, _ *call) (result, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := telego.WebhookInfo{PendingUpdateCount: len(s.queue)}
	if s.hook.url != "" {
		info.URL = s.hook.url
		info.MaxConnections = s.hook.maxConnections
		info.LastErrorDate = s.hook.lastErrorDate
		info.LastErrorMessage = s.hook.lastError
	}
	for k := range s.allowed {
		info.AllowedUpdates = append(info.AllowedUpdates, k)
	}
	return result{value: info}, nil
}

// stopHook stops the webhook sender for Close; the setting stays.
func (s *Server) stopHook() {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.mu.Lock()
	old := s.hook.sender
	s.hook.sender = nil
	s.mu.Unlock()
	old.stop(true)
}

func (s *Server) startSender(hookURL, secret string) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ctx, cancel := context.WithCancel(context.Background())
	hs := &hookSender{
		url: hookURL, secret: secret, quit: make(chan struct{}), ctx: ctx, cancel: cancel, done: make(chan struct{}),
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		return
	}
	s.hook.sender = hs
	s.mu.Unlock()
	go s.send(hs)
}

// stop ends the sender and waits for it, at once or after the delivery
// under way; a nil sender is already stopped.
func (hs *hookSender) stop(now bool) {
	if hs == nil {
		return
	}
	close(hs.quit)
	if now {
		hs.cancel()
	}
	<-hs.done
	hs.cancel()
}

// send delivers queued updates one at a time, oldest first; an update leaves
// the queue only when the receiver answered 2xx, and a failure is retried
// with growing pauses, as Telegram does.
func (s *Server) send(hs *hookSender) {
	defer close(hs.done)
	defer hs.client.CloseIdleConnections()
	pause := hookRetryMin
	for {
		u, ok := s.nextForHook(hs)
		if !ok {
			return
		}
		failure := hs.post(u.Update)
		s.mu.Lock()
		if failure == "" {
			if len(s.queue) > 0 && s.queue[0].UpdateID == u.UpdateID {
				s.queue = s.queue[1:]
			}
			s.stats.WebhookPosts++
		} else if s.hook.sender == hs {
			s.hook.lastErrorDate, s.hook.lastError = s.unixNow(), failure
		}
		s.mu.Unlock()
		if failure == "" {
			pause = hookRetryMin
			continue
		}
		select {
		case <-time.After(pause):
		case <-hs.quit:
			return
		}
		pause = min(pause*2, hookRetryMax)
	}
}

// nextForHook waits for the oldest queued update, unless told to stop.
func (s *Server) nextForHook(hs *hookSender) (pending, bool) {
	for {
		select {
		case <-hs.quit:
			return pending{}, false
		default:
		}
		s.mu.Lock()
		queue, queued := s.queue, s.queued.waitLocked()
		if len(queue) > 0 {
			s.handedLocked(&queue[0])
			p := queue[0]
			s.mu.Unlock()
			return p, true
		}
		s.mu.Unlock()
		select {
		case <-queued:
		case <-hs.quit:
			return pending{}, false
		}
	}
}

// post delivers one update and returns "" or what went wrong, worded as
// getWebhookInfo's last_error_message is.
func (hs *hookSender) post(u telego.Update) string {
	body, err := json.Marshal(u)
	if err != nil {
		return "Can't encode the update: " + err.Error()
	}
	req, err := http.NewRequestWithContext(hs.ctx, http.MethodPost, hs.url, bytes.NewReader(body))
	if err != nil {
		return "Bad webhook URL: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if hs.secret != "" {
		req.Header.Set(telego.WebhookSecretTokenHeader, hs.secret)
	}
	resp, err := hs.client.Do(req)
	if err != nil {
		return "Connection failed: " + err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // drain to reuse the connection
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "Wrong response from the webhook: " + resp.Status
	}
	return ""
}
