// Package mtproto signs in to a returned +888 number's own Telegram
// account, as a Telegram app would, to learn whether the next renter can
// use it: the former renter may have set a cloud password (2FA), which
// would lock every later renter out, and only Telegram knows.
//
// # The check
//
// CheckAccount runs one MTProto client (gotd/td) per call, with its
// session in memory only, and:
//
//  1. notes the login codes fragment.com already shows for the number
//     (through the Codes port), so that an old code is never taken for
//     the new one;
//  2. asks for a code (auth.sendCode). Codes for +888 numbers go to
//     Fragment; while other sessions are live on the account the first
//     one goes in-app instead, with Fragment as next_type, and one
//     auth.resendCode moves it there. auth.sentCodeSuccess means the
//     client is signed in already;
//  3. polls Codes every CodePoll until a code appears that was not there
//     before, for at most CodeWait (ErrNoCode after that);
//  4. signs in (auth.signIn). Signed in without a password: it logs its
//     own session out again (auth.logOut) and the account is clean; a
//     failed log-out is an error, since the session would stay on the
//     renter's account. No account: absent. SESSION_PASSWORD_NEEDED:
//     it deletes the account without the password (account.deleteAccount),
//     which Telegram does at once or, for an account with a password,
//     only after a wait it answers as 420 2FA_CONFIRM_WAIT_<seconds>: the
//     deletion is then pending until that moment, and a check after it
//     finishes the deletion. PHONE_NUMBER_BANNED: banned.
//
// Each check makes its own auth key: the key exchange costs about a
// second of CPU (gotd checks the DH prime and factors pq), so checks are
// best run one or a few at a time.
//
// A new account cannot be made from an API client, so an absent or a
// deleted account is what the next renter signs up to in the official
// app.
//
// # Errors
//
// Every error wraps at most one of the package's sentinels: ErrFloodWait
// (RetryAfter says how long), ErrCodeRejected, ErrNoCode, ErrBadNumber,
// ErrUnavailable, ErrUnexpected; a context's error when the caller's
// context ended; Telegram's own RPC error (a *tgerr.Error from gotd) in
// the chain when Telegram answered one. gotd itself follows *_MIGRATE
// errors and resends a request lost with its connection, but installs no
// flood-wait middleware by default (checked in v0.161.0: the client's
// invoker is its Options.Middlewares, empty, around the direct call), so
// a 420, FLOOD_WAIT_x or 2FA_CONFIRM_WAIT_x alike, comes back at once.
//
// # Secrets
//
// The app hash, the login codes and the auth key never reach an error, a
// log line or a String: Options and Checker print the hash redacted,
// gotd's own logger stays off (it would log key ids), and the session
// lives only in the client's memory for the length of one call.
package mtproto
