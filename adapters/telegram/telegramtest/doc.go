// Package telegramtest is a fake Telegram Bot API server that behaves like the
// real one closely enough that a bot which works against it works against
// Telegram. The Telegram adapter's tests, the end-to-end load test and the
// offline playground all talk to it, so it models both sides of a chat:
//
//   - The bot side is HTTP: POST {URL}/bot{token}/{method} with a JSON,
//     form or multipart body, answered with {"ok":true,"result":...} or
//     {"ok":false,"error_code":N,"description":"...","parameters":{...}}.
//     Point telego at it with telego.WithAPIServer(srv.URL()).
//   - The people side is Go: SendText, Command and PressButton create the
//     updates a person's client would; Messages, WaitFor and Subscribe show
//     what the bot sent them, as it is now, after edits and deletions.
//
// # What it reproduces, because bots get these wrong
//
//   - getUpdates: offset confirms older updates (a negative one keeps only the
//     newest), limit 1–100, timeout up to 50 s. A poll with nothing to return
//     waits and wakes as soon as an update arrives; a second poll terminates
//     the first with 409 (two bot instances), and so does setWebhook.
//   - Webhooks: updates are POSTed in order with X-Telegram-Bot-Api-Secret-Token
//     and retried until the receiver answers 2xx; getUpdates is refused with
//     409 while a webhook is set. Plain http:// URLs are accepted (Telegram
//     demands https) so a test can receive on loopback.
//   - Limits, counted like Telegram counts them: text 1–4096 and captions up
//     to 1024 characters after entity parsing, counted in Unicode code points
//     as Telegram's own library does (a 4096-emoji text is accepted though it
//     is 8192 UTF-16 units); callback_data 1–64 bytes; answerCallbackQuery
//     text up to 200 characters, and one answer per query.
//   - parse_mode HTML is parsed into plain text and entities (offsets in
//     UTF-16 units) with Telegram's tag set; an unknown or unclosed tag is
//     "can't parse entities", which is what an unescaped "<" in a user's name
//     costs in production. Markdown and MarkdownV2 are stored as sent.
//   - Edits: "message is not modified" when nothing changes, and
//     editMessageText or editMessageCaption without reply_markup removes the
//     inline keyboard, as on Telegram.
//   - Flood control: about 1 message a second per chat with a burst of 3 and
//     30 a second overall, answered with 429 and retry_after (see Limits).
//     FailNext injects 429s and 5xx on demand.
//   - Callback queries carry the bot's message with a non-zero date, which is
//     what makes telego decode it as a Message and not an InaccessibleMessage.
//   - A user who blocks the bot (SetBlocked) produces a my_chat_member update
//     and makes sends fail with 403 until the user writes again.
//
// # What it leaves out
//
// Only private chats exist (a chat's ID is its user's ID); groups, channels,
// inline mode, payments, getFile and the rest of the API answer 404 "method
// not found". Photos sent by URL are not fetched. A webhook's response body
// is not read as a method call, and updates go to it one at a time.
//
// Everything is safe for concurrent use. Close wakes pending long polls, ends
// subscriptions and stops the webhook sender before it returns.
package telegramtest
