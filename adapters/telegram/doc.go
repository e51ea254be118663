// Package telegram is Allot's Telegram bot on telego: it receives updates
// (long polling, or a webhook), hands each person's updates to that
// person's session in the order they were sent, renders menus from the
// text catalogs in texts/ (English and Russian), and sends everything
// through one outbox that keeps to Telegram's limits.
//
// The bot holds no state a person would be upset to lose: rentals,
// invoices, balances and transfer offers are the engine's, durable before
// the bot says anything about them. A session keeps only the language and
// a question it is waiting for an answer to, and may be forgotten.
//
// telegramtest/ is a fake Bot API for tests, the load test and the
// playground.
package telegram
