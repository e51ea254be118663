package main

import (
	"log/slog"
	"sync"

	"allot/actors"
	"allot/adapters/telegram"
)

// botSlot holds the bot once it exists. The engine raises notices from
// the moment it opens — recovery finishing a saga, reminders and expiries
// that fell due while the process was down — and the services that start
// before the bot raise alerts (a payment history gap on the first poll, a
// recovery that set data aside): those would be lost if told to a bot not
// made yet, so they wait here, in order, and are told the moment the bot is
// stored. A number's notice stays owed in the engine until the bot has told
// it (actors/notices.go), so one still waiting here when the process dies
// is raised again at the next start.
type botSlot struct {
	mu      sync.Mutex
	bot     *telegram.Bot
	waiting []func(*telegram.Bot) // what to tell the bot once it exists, oldest first
}

// maxWaiting bounds what waits for the bot. Owed notices come back at the
// next start and alerts are logged where they are raised, so dropping past
// it loses nothing for good, while a process that never gets its bot (a
// start that fails after the engine opened) does not grow without end.
const maxWaiting = 10_000

// Load returns the bot, or nil before it exists.
func (s *botSlot) Load() *telegram.Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bot
}

// Store sets the bot and tells it everything that waited, oldest first,
// before anything newer (tell waits meanwhile).
func (s *botSlot) Store(b *telegram.Bot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bot = b
	for _, f := range s.waiting {
		f(b)
	}
	s.waiting = nil
}

// tell runs f with the bot, or keeps it until there is one.
func (s *botSlot) tell(f func(*telegram.Bot)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.bot != nil:
		f(s.bot)
	case len(s.waiting) < maxWaiting:
		s.waiting = append(s.waiting, f)
	}
}

// notify tells the bot a notice, or keeps it until there is a bot.
func (s *botSlot) notify(n actors.Notice) { s.tell(func(b *telegram.Bot) { b.Notify(n) }) }

// alertAdmins returns a function that tells the admins text through the
// bot, now or once it exists (and, with log, logs it as what first): for
// the services that start before the bot.
func (s *botSlot) alertAdmins(log *slog.Logger, what string) func(string) {
	return func(text string) {
		if log != nil {
			log.Warn(what, "problem", text)
		}
		s.tell(func(b *telegram.Bot) { b.AlertAdmins(text) })
	}
}

// alertOperations returns a function that tells the admins text about the
// bot's own upkeep (backups, the data directory, the payment watcher), now
// or once the bot exists.
func (s *botSlot) alertOperations() func(string) {
	return func(text string) { s.tell(func(b *telegram.Bot) { b.AlertOperations(text) }) }
}

// alertFragment returns the relay's way to tell the admins, now or once
// the bot exists, that the Fragment login was lost (and to log it).
func (s *botSlot) alertFragment(log *slog.Logger) func(string) {
	return func(why string) {
		log.Warn("the Fragment login is lost", "why", why)
		s.tell(func(b *telegram.Bot) { b.AlertFragment(why) })
	}
}
