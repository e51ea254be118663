// Package playground is the whole bot offline, in a browser: the real
// engine and the real Telegram adapter talking to the fake Bot API
// (telegramtest), the real payment watcher reading a fake chain (tontest),
// and a web chat where a person picks a simulated user, writes to the bot,
// presses its buttons and pays its invoices from a simulated wallet. It is
// what `allot run` starts when there is no BOT_TOKEN.
//
// # Pieces
//
//   - Playground (playground.go) composes them: New starts the fake Bot API,
//     builds the bot with telegram.New, starts the fake chain and the
//     watcher, and puts a few +888 numbers in an empty catalogue, priced
//     in TON and in USDT; Run runs the bot until its context ends.
//   - people.go keeps the simulated people (the owner is the admin; staff
//     are approved through the engine, as an admin's button would).
//   - wallet.go is the fake chain with its history on disk, and the payment
//     of an invoice from a person's simulated wallet.
//   - transcript.go turns the fake's event stream into each chat as its
//     person sees it, with a version that grows on every change.
//   - fragment.go is the operator's fragment.com: the fake (fragmenttest)
//     on loopback holding every catalogue number, and the real client
//     pointed at it, which the engine's hand-overs and the bot's «🔑 Login
//     code» use. The page's simulated Telegram app logs in with a number
//     (a random 5-digit code arrives at the fake, a session opens) and
//     shows, per number, whether codes are on and how many sessions it has.
//     The fake lives in memory: at start it is given the catalogue again
//     and codes are switched off on numbers nobody holds.
//   - web.go serves the page (web/, embedded) and its JSON API under
//     /play/api/; sample.go makes sample stock for the CSV store.
//
// # Files
//
// The playground's own files live in the directory given as Options.Dir,
// beside (never inside) the engine's journal and snapshots:
//
//	people.json   the simulated people: [{"id":…,"name":…,"username":…,"lang":…,"role":…}]
//	chain.jsonl   every simulated transfer, one JSON object a line:
//	              {"from":"<sender seed>","amount":<units>,"comment":"…","at":<unix seconds>}
//	              with "currency":"USDT" added for a USDT payment (amount in
//	              millionths of a USDT); without it the amount is nanotons
//
// USDT is paid as on the real chain: the bot's pay link names the real
// USDT master (which the fake chain's master answers for), and a payment
// arrives as a transfer_notification from our jetton wallet of that
// master, naming the person's simulated wallet as the sender; the watcher
// reads it with ton.WithUSDT, as cmd/allot's does.
//
// The fake chain lives in memory, but the watcher journals its cursor (a
// transaction's logical time and hash). On start the chain is rebuilt by
// replaying chain.jsonl in order: tontest builds transactions
// deterministically, so the replayed ones have the same logical times and
// hashes and the journaled cursor still points at a transaction the chain
// knows. A transfer is appended to the file and synced before it is put on
// the chain, so the cursor can never get ahead of the file. A torn last
// line (a crash mid-write) is dropped on reading.
//
// Chats are not kept: the fake Bot API holds them in memory, so after a
// restart every chat starts empty while the engine remembers everything.
package playground
