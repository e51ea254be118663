package main

import (
	"log/slog"
	"sync"

	"allot/actors"
	"allot/adapters/telegram"
)

// botSlot holds the bot once it exists. The engine raises notices from
// the moment it opens — recovery finishing a saga, reminders and expiries
// that fell due while the process was down — and those would be lost if
// told to a bot not made yet: they wait here, in order, and are told the
// moment the bot is stored. A number's notice stays owed in the engine
// until the bot has told it (actors/notices.go), so one still waiting here
// when the process dies is raised again at the next start.
type botSlot struct {
	mu      sync.Mutex
	bot     *telegram.Bot
	waiting []actors.Notice
}

// Load returns the bot, or nil before it exists.
func (s *botSlot) Load() *telegram.Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bot
}

// Store sets the bot and tells it every notice that waited, oldest first,
// before any newer one (notify waits meanwhile).
func (s *botSlot) Store(b *telegram.Bot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bot = b
	for _, n := range s.waiting {
		b.Notify(n)
	}
	s.waiting = nil
}

// notify tells the bot, or keeps n until there is one.
func (s *botSlot) notify(n actors.Notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bot == nil {
		s.waiting = append(s.waiting, n)
		return
	}
	s.bot.Notify(n)
}

// alertAdmins returns a function that tells the admins text through the
// bot once it exists (and, with log, logs it as what first): for the
// services that start before the bot.
func (s *botSlot) alertAdmins(log *slog.Logger, what string) func(string) {
	return func(text string) {
		if log != nil {
			log.Warn(what, "problem", text)
		}
		if b := s.Load(); b != nil {
			b.AlertAdmins(text)
		}
	}
}

// alertFragment returns the relay's way to tell the admins, once the bot
// exists, that the Fragment login was lost (and to log it).
func (s *botSlot) alertFragment(log *slog.Logger) func(string) {
	return func(why string) {
		log.Warn("the Fragment login is lost", "why", why)
		if b := s.Load(); b != nil {
			b.AlertFragment(why)
		}
	}
}
