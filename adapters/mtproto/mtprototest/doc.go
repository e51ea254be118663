// Package mtprototest is a fake Telegram for the account checks of
// allot/adapters/mtproto: one data centre (DC 2) on a localhost port,
// served by gotd's own test server (tgtest), so that the checker runs
// the real MTProto client, key exchange and encryption included, against
// accounts a test sets up.
//
// It plays what a check meets on a returned +888 number: an account with
// or without a cloud password, no account at all, a banned number, live
// sessions that make the first code go in-app, Telegram's delayed
// deletion of an account with a password (2FA_CONFIRM_WAIT_<seconds>) on
// a clock the test moves, and any RPC error injected with FailNext.
//
// Login codes go nowhere by themselves: OnCode hands each code meant for
// Fragment to the test, which delivers it to its fake fragment.com (this
// package does not import one). An authorization is bound to the auth key
// of the client that made it, as on Telegram, so a fresh client is a
// fresh session and Sessions counts what a checker left signed in.
//
// The Server is safe for concurrent use. Its handlers answer malformed
// requests with RPC errors and never panic.
package mtprototest
