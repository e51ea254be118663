package telegramtest

import (
	"context"
	"time"

	"github.com/mymmrac/telego"
)

// Telegram's bounds on getUpdates.
const (
	maxPollTimeout = 50 // seconds
	maxPollLimit   = 100
)

// longPoll is the getUpdates call waiting for updates; there is at most one.
type longPoll struct {
	abort chan *apiError // a newer poll or setWebhook ends this one
}

// pending is a queued update. own marks one the fake built (SendText,
// PressButton) with only the fields appendUpdate writes, so that getUpdates
// can encode it by hand; updates from PushUpdate and the chat member
// updates go through encoding/json.
type pending struct {
	telego.Update
	own     bool
	message []byte // a press's message, encoded when it was sent or edited; nil if not kept
	handed  bool   // the bot has been handed it (handedLocked)
}

// queueLocked gives p the next update_id and queues it, unless the bot's
// allowed_updates exclude its type: Telegram then never creates it.
func (s *Server) queueLocked(p pending) int {
	p.UpdateID = s.nextID
	s.nextID++
	if !s.allowedLocked(updateType(p.Update)) {
		return p.UpdateID
	}
	s.stats.Updates++
	s.queue = append(s.queue, p)
	s.queued.broadcastLocked()
	return p.UpdateID
}

// defaultExcluded are the update types Telegram sends only when asked for.
var defaultExcluded = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

func (s *Server) allowedLocked(kind string) bool {
	if s.allowed == nil {
		return !defaultExcluded[kind]
	}
	return s.allowed[kind]
}

// setAllowedLocked applies an allowed_updates argument: absent keeps the
// setting, an empty list restores the default.
func (s *Server) setAllowedLocked(arg jsonArg) *apiError {
	if !arg.present() {
		return nil
	}
	var kinds []string
	if err := arg.decode(&kinds); err != nil {
		return badRequest("can't parse allowed updates")
	}
	if len(kinds) == 0 {
		s.allowed = nil
		return nil
	}
	s.allowed = make(map[string]bool, len(kinds))
	for _, k := range kinds {
		s.allowed[k] = true
	}
	return nil
}

// handedLocked notes that the bot is handed p, the first time it is: its
// chat's next answer reports when (Event.Handed).
func (s *Server) handedLocked(p *pending) {
	if p.handed {
		return
	}
	p.handed = true
	if c := s.chats[updateChat(p.Update)]; c != nil {
		c.handed = s.now()
	}
}

// updateChat is the chat an update comes from: the person's own, for the
// private chats the fake keeps; 0 for an update of no chat.
func updateChat(u telego.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

func updateType(u telego.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChatMember != nil:
		return "chat_member"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.MessageReaction != nil:
		return "message_reaction"
	case u.MessageReactionCount != nil:
		return "message_reaction_count"
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query"
	}
	return ""
}

// confirmLocked drops the updates the bot confirmed: those below a positive
// offset, or all but the newest -offset for a negative one.
func (s *Server) confirmLocked(offset int) {
	switch {
	case offset > 0:
		i := 0
		for i < len(s.queue) && s.queue[i].UpdateID < offset {
			i++
		}
		s.dropLocked(i)
	case offset < 0 && -offset < len(s.queue):
		s.dropLocked(len(s.queue) + offset)
	}
}

// dropLocked removes the oldest n updates. The queue moves forward in its
// array instead of copying the rest down: under load the bot confirms
// twenty at a time with a backlog behind them, and append gives the queue a
// new array, holding only what is left, when this one runs out.
func (s *Server) dropLocked(n int) {
	clear(s.queue[:n]) // let the collector have them before the array goes
	s.queue = s.queue[n:]
}

func (s *Server) getUpdates(ctx context.Context, c *call) (result, *apiError) {
	limit := int(c.p.Limit)
	if limit <= 0 || limit > maxPollLimit {
		limit = maxPollLimit
	}
	timeout := min(max(int(c.p.Timeout), 0), maxPollTimeout)
	s.mu.Lock()
	if s.hook.url != "" {
		s.mu.Unlock()
		return result{}, conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	}
	if e := s.setAllowedLocked(c.p.AllowedUpdates); e != nil {
		s.mu.Unlock()
		return result{}, e
	}
	s.confirmLocked(int(c.p.Offset))
	ups := s.firstLocked(limit)
	if len(ups) > 0 || timeout == 0 || s.closed {
		s.mu.Unlock()
		return result{value: ups}, nil
	}
	s.abortPollLocked(conflict("terminated by other getUpdates request; make sure that only one bot instance is running"))
	poll := &longPoll{abort: make(chan *apiError, 1)}
	s.poll = poll
	s.mu.Unlock()
	return s.waitUpdates(ctx, poll, limit, time.Duration(timeout)*time.Second)
}

// waitUpdates is the waiting half of a long poll: it answers as soon as an
// update is queued, or with nothing when the timeout passes or the fake
// closes.
func (s *Server) waitUpdates(ctx context.Context, poll *longPoll, limit int, timeout time.Duration) (result, *apiError) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	defer s.endPoll(poll)
	for {
		s.mu.Lock()
		ups, queued := s.firstLocked(limit), s.queued.waitLocked()
		s.mu.Unlock()
		if len(ups) > 0 {
			return result{value: ups}, nil
		}
		select {
		case <-queued:
		case e := <-poll.abort:
			return result{}, e
		case <-timer.C:
			return result{value: updateBatch{}}, nil
		case <-ctx.Done():
			return result{value: updateBatch{}}, nil // the bot hung up; nobody reads this
		case <-s.done:
			return result{value: updateBatch{}}, nil
		}
	}
}

func (s *Server) endPoll(poll *longPoll) {
	s.mu.Lock()
	if s.poll == poll {
		s.poll = nil
	}
	s.mu.Unlock()
}

func (s *Server) abortPollLocked(e *apiError) {
	if s.poll != nil {
		s.poll.abort <- e
		s.poll = nil
	}
}

// firstLocked copies up to limit queued updates, which the bot is handed.
// What an update says never changes once queued, so the copies may be
// encoded after the lock is released.
func (s *Server) firstLocked(limit int) updateBatch {
	n := min(limit, len(s.queue))
	for i := range n {
		s.handedLocked(&s.queue[i])
	}
	out := make(updateBatch, n)
	copy(out, s.queue[:n])
	return out
}
