// Package telegram is Allot's Telegram bot on telego: it receives updates
// (long polling, or a webhook), hands each person's updates to that
// person's session in the order they were sent, renders menus from the
// text catalogs in texts/ (English and Russian), and sends everything
// through one outbox (package outbox) that keeps to Telegram's limits.
//
// The bot holds no state a person would be upset to lose: rentals,
// invoices, balances and transfer offers are the engine's, durable before
// the bot says anything about them. A session keeps only the language and
// a question it is waiting for an answer to, and may be forgotten.
//
// The files follow what a person does: the catalogue and renting
// (catalogue.go), their rentals (rentals.go), transfers (transfers.go),
// the wallet and invoices (wallet.go, money.go, paylinks.go), login codes
// (codes.go), staff registration and distribution (staff.go, distrib.go),
// proxies (proxies.go, proxies_get.go), statistics (stats.go) and the
// admins' commands (admin.go, admin_change.go, distrib_admin.go, sync.go,
// accounts.go, fragment_admin.go). Each declares beside it the narrow
// port of the engine it calls (rentEngine, walletEngine, …), asserted
// against *actors.Engine; Engine composes them. Every button is a line of
// one table (actions.go: its arguments, who may press it, what it does),
// and every admin command a line of another (admin.go). Paying on chain
// goes through the PayLinks port, which adapters/ton implements.
//
// telegramtest/ is a fake Bot API for tests, the load test and the
// playground.
package telegram
