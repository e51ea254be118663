package telegramtest

import (
	"maps"
	"math"
	"net/http"
	"strings"
	"time"
)

// Limits is the fake's flood control. Telegram documents no exact numbers:
// "about one message a second" in a chat, short bursts tolerated, and "about
// 30 messages a second" overall; past them it answers 429 with retry_after.
// The fake models each as a token bucket. Only messages count (sendMessage,
// sendPhoto, sendDocument); edits, answers and chat actions do not. A zero
// rate switches that limit off. While any limit is on, setWebhook also takes
// a new URL at most once a second, as Telegram's server does.
type Limits struct {
	PerChat     float64 // messages a second one chat takes, sustained
	ChatBurst   int     // messages one chat takes at once after a quiet spell
	Global      float64 // messages a second over all chats
	GlobalBurst int     // messages at once over all chats
}

// DefaultLimits is on by default so a bot that ignores flood control fails
// against the fake as it would against Telegram.
func DefaultLimits() Limits { return Limits{PerChat: 1, ChatBurst: 3, Global: 30, GlobalBurst: 30} }

// Stats is what the fake counted, for tests and the load test's report.
type Stats struct {
	Calls           map[string]int `json:"calls"`             // requests per method, failed ones included
	Errors          map[int]int    `json:"errors"`            // error answers per error_code
	TooManyRequests int            `json:"too_many_requests"` // 429s sent, by flood control or FailNext
	Messages        int            `json:"messages"`          // messages the bot sent and the fake accepted
	MaxChatRate     int            `json:"max_chat_rate"`     // most messages one chat took within one second
	MaxGlobalRate   int            `json:"max_global_rate"`   // most messages all chats took within one second
	Updates         int            `json:"updates"`           // updates the simulated people caused
	WebhookPosts    int            `json:"webhook_posts"`     // updates a webhook accepted
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = maps.Clone(s.stats.Calls)
	st.Errors = maps.Clone(s.stats.Errors)
	return st
}

func (s *Server) count(method string) {
	s.mu.Lock()
	s.stats.Calls[method]++
	s.mu.Unlock()
}

// countCall counts a call of a known method and returns the failure
// FailNext scheduled for it, if any, under one lock.
func (s *Server) countCall(method string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Calls[method]++
	if len(s.faults) == 0 {
		return nil
	}
	return s.injectedLocked(method)
}

func (s *Server) countError(code int) {
	s.mu.Lock()
	s.stats.Errors[code]++
	if code == http.StatusTooManyRequests {
		s.stats.TooManyRequests++
	}
	s.mu.Unlock()
}

// fault is a failure FailNext scheduled.
type fault struct {
	method     string // lower case; "" for any method
	left       int
	code       int
	retryAfter int
}

// FailNext makes the next n calls of method (any method if "") fail with
// code, for tests of a bot's retries. A 429 carries retryAfter seconds in
// its parameters; other codes get Telegram's wording for them. Faults
// scheduled earlier are used up first; n ≤ 0 schedules nothing.
func (s *Server) FailNext(method string, n, code, retryAfter int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{strings.ToLower(method), n, code, retryAfter})
}

// injectedLocked returns the scheduled failure for this call of method, if
// any.
func (s *Server) injectedLocked(method string) *apiError {
	lower := strings.ToLower(method)
	for i := range s.faults {
		f := &s.faults[i]
		if f.method != "" && f.method != lower {
			continue
		}
		e := faultError(f.code, f.retryAfter)
		f.left--
		if f.left == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return e
	}
	return nil
}

func faultError(code, retryAfter int) *apiError {
	switch {
	case code == http.StatusTooManyRequests:
		return tooManyRequests(max(retryAfter, 1))
	case code == http.StatusBadRequest:
		return badRequest("injected failure")
	case code == http.StatusUnauthorized:
		return errUnauthorized
	case code == http.StatusForbidden:
		return &apiError{code: code, desc: "Forbidden: injected failure"}
	case code == http.StatusConflict:
		return conflict("injected failure")
	}
	return &apiError{code: code, desc: http.StatusText(code)}
}

// bucket is a token bucket: it holds up to burst tokens and gains rate a
// second; a message takes one.
type bucket struct {
	tokens float64
	last   time.Time
	primed bool
}

// wait refills the bucket to now and says how long until it holds a token.
func (b *bucket) wait(now time.Time, rate float64, burst int) time.Duration {
	capacity := float64(max(burst, 1))
	if !b.primed {
		b.tokens, b.last, b.primed = capacity, now, true
	}
	if now.After(b.last) {
		b.tokens = math.Min(capacity, b.tokens+now.Sub(b.last).Seconds()*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// admitLocked applies flood control to one message for chat c: it either
// takes a token from both buckets or refuses with retry_after rounded up to
// whole seconds, as Telegram's are.
func (s *Server) admitLocked(c *chat) *apiError {
	now, l := s.now(), s.cfg.limits
	var wait time.Duration
	if l.PerChat > 0 {
		wait = max(wait, c.bucket.wait(now, l.PerChat, l.ChatBurst))
	}
	if l.Global > 0 {
		wait = max(wait, s.global.wait(now, l.Global, l.GlobalBurst))
	}
	if wait > 0 {
		return tooManyRequests(int(math.Ceil(wait.Seconds())))
	}
	if l.PerChat > 0 {
		c.bucket.tokens--
	}
	if l.Global > 0 {
		s.global.tokens--
	}
	s.observeLocked(c, now)
	return nil
}

// observeLocked records an accepted message in the one-second windows behind
// MaxChatRate and MaxGlobalRate.
func (s *Server) observeLocked(c *chat, now time.Time) {
	s.stats.Messages++
	s.stats.MaxChatRate = max(s.stats.MaxChatRate, c.recent.add(now))
	s.stats.MaxGlobalRate = max(s.stats.MaxGlobalRate, s.recent.add(now))
}

// window holds the times of the last second's messages, oldest first; it
// stays cheap at load-test rates because old times are dropped in bulk.
type window struct {
	times []time.Time
	head  int // times before head are more than a second old
}

// add records now and returns how many messages the last second held.
func (w *window) add(now time.Time) int {
	for w.head < len(w.times) && now.Sub(w.times[w.head]) >= time.Second {
		w.head++
	}
	if w.head > 0 && w.head*2 >= len(w.times) {
		w.times = append(w.times[:0], w.times[w.head:]...)
		w.head = 0
	}
	w.times = append(w.times, now)
	return len(w.times) - w.head
}
