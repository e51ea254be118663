// Package ton reads payments to Allot's receiving wallet from the TON
// blockchain and makes the links and QR codes people pay with.
//
// It sits on tonutils-go through one narrow port, Chain, which a liteserver
// connection (Dial) and the fake chain in tontest both satisfy; everything
// else in the package is plain code over tonutils-go's decoded types.
//
// # Reading the chain
//
// Source.Since returns the incoming transfers after a cursor, oldest first,
// and the cursor of the newest transaction it looked at. The caller journals
// the cursor with the payments and passes it back on the next poll, so a
// restart reads exactly what came after. Three rules make that hold:
//
//   - The zero cursor (the first poll ever) returns no payments and the
//     wallet's newest transaction as the cursor: whatever reached the wallet
//     before the bot existed is not ours to match. A wallet without any
//     transaction gets BeforeFirst instead, so its very first transfer is
//     read, not stepped over.
//   - An error returns the cursor it was given. Since never returns part of
//     a read, so a retry reads the same transactions again and nothing is
//     skipped; the payments register applies each transaction once, ever.
//   - A liteserver that is behind the cursor (a pool member a few blocks
//     late) is "nothing new", never a step back.
//   - A history the liteservers no longer hold (ordinary liteservers keep a
//     limited history; a bot down long enough falls off its end) is an
//     *actors.PrunedError naming the oldest transaction still held, so the
//     watcher resumes there and records the gap instead of failing for
//     ever. Only the liteserver's "lt not in db" (code -400) for a
//     transaction older than one already read counts; timeouts and other
//     refusals are retried as before. The global config does not mark
//     archive liteservers (an entry is ip, port and key only), so there is
//     no way to prefer them; but tonutils-go's retrier asks every
//     liteserver of the pool before this error reaches Source, so an
//     archive liteserver listed in TON_CONFIG is used whenever one is.
//
// Every transaction moves the cursor, but only one with an inbound internal
// message (a transfer from someone) is a payment; our own wallet operations,
// which arrive as external messages, are stepped over.
//
// # What a payment says
//
// ToPayment turns one transaction into a domain.Payment. Its Failed flag says
// the wallet did not keep the value, read from the transaction description:
// it is not an ordinary transaction, it has no credit phase, it has a bounce
// phase (the value was sent back, or a bounce was attempted), or the account
// was destroyed. An aborted transaction alone is not a failure: a wallet that
// was never deployed, or a transfer too small to pay for gas, aborts with the
// compute phase skipped and still keeps the value (201 of the 269 real
// mainnet transactions in testdata/ton are such aborts). An amount that does
// not fit in int64 nanotons (impossible on mainnet, whose whole supply fits)
// is reported as Failed with Amount 0, so no arithmetic downstream ever sees
// a clamped or wrapped number.
//
// # Pay links
//
// NewPayLinkIn makes the ton:// link and its https twin for Tonkeeper with the
// exact amount in the currency's smallest units and the invoice code as the
// comment, and QRPNG draws either as a PNG. A USDT link names our wallet and
// the jetton master (jetton=…), as Tonkeeper's jetton transfer links do, not
// our jetton wallet. The https form goes in Telegram buttons because ton://
// is not clickable in every client. NewPayLink is the TON form.
//
// # Jetton (USDT) payments
//
// A USDT payment reaches our wallet as a transfer_notification (op
// 0x7362d09c) from our own jetton wallet for the USDT master, which
// ResolveJettonWallet asks the master for (get_wallet_address). Anyone can
// deploy a look-alike jetton that sends the very same message, so
// JettonAccount.Classify checks the source before it reads the body: a
// notification from any other address is JettonForged, never a payment,
// however right its comment and amount. DecodeJettonNotification reads the
// query id, the amount in the jetton's units, the sender and a text comment
// (32 zero bits, then snake text).
//
// A Source made WithUSDT classifies every transaction it reads: a genuine
// notification is a domain.Payment in USDT units whose comment is the one
// in the notification (and the forward TON it carried is not also read as
// a TON payment); a forged, bounced or malformed one is no payment at all.
// Those are counted by verdict (Source.Rejected, which the watcher's status
// and allot_payments_total{outcome="forged"|"malformed"|"ignored"} show),
// once per transaction however often it is read, and a malformed one, from
// our own jetton wallet, is logged at Warn without its bytes or comment.
// Without WithUSDT a Source reads TON only, as before. Nothing configures
// it in cmd/allot yet (issue 18).
package ton
