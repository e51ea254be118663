// Package playground holds the parts of the offline playground, the whole
// bot in a browser that `allot run` starts when there is no BOT_TOKEN:
// the web chat, the simulated people, the chats as they see them, the
// simulated wallet on a fake chain, the fake fragment.com, and sample
// stock. cmd/allot composes them with the real engine, the real Telegram
// adapter talking to the fake Bot API (telegramtest) and the real payment
// watcher reading the fake chain (its playground_*.go files); each part
// needs only a small port of the engine (StaffDesk, Invoices, Catalogue)
// and none needs another, but for the page, which drives them all.
//
// # Parts
//
//   - Page (web.go) serves the page (web/, embedded) and its JSON API under
//     /play/api/, where a person picks a simulated user, writes to the bot,
//     presses its buttons, pays its invoices and logs in with a number.
//   - People (people.go) are the simulated people (the owner is the admin;
//     staff are approved at the StaffDesk, as an admin's button would).
//   - Wallet (wallet.go) is the fake chain with its history on disk, the
//     Source the watcher reads it through, and the payment of an invoice
//     from a person's simulated wallet.
//   - Transcript (transcript.go) turns the fake Bot API's event stream into
//     each chat as its person sees it, with a version that grows on every
//     change.
//   - Fragment (fragment.go) is the operator's fragment.com: the fake
//     (fragmenttest) on loopback holding every catalogue number, and the
//     real client pointed at it, which the engine's hand-overs and the
//     bot's «🔑 Login code» use. The page's simulated Telegram app logs in
//     with a number (a random 5-digit code arrives at the fake, a session
//     opens) and shows, per number, whether codes are on and how many
//     sessions it has. The fake lives in memory: at start Align gives it
//     the catalogue again and switches codes off on numbers nobody holds.
//   - sample.go makes sample stock for the CSV store.
//
// # Files
//
// The playground's own files live in one directory, beside (never inside)
// the engine's journal and snapshots (cmd/allot uses DATA_DIR/playground/
// simulated):
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
// reads it through Wallet.Source, with ton.WithUSDT as cmd/allot's does.
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
