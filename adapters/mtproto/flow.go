package mtproto

import (
	"context"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"allot/domain"
)

// attempt is one CheckAccount on a connected client.
type attempt struct {
	c      *Checker
	api    *tg.Client
	outer  context.Context // the caller's: tells its end from the client's
	number string          // "+888…"
	phone  string          // digits, as Telegram wants them
	seen   seenCodes       // what Fragment showed before the code was asked for
}

var (
	clean   = domain.AccountVerdict{Outcome: domain.AccountClean}
	absent  = domain.AccountVerdict{Outcome: domain.AccountAbsent}
	deleted = domain.AccountVerdict{Outcome: domain.AccountDeleted}
	banned  = domain.AccountVerdict{Outcome: domain.AccountBanned}
)

func (a *attempt) run(ctx context.Context) (domain.AccountVerdict, error) {
	hash, signedIn, err := a.sendCode(ctx)
	switch {
	case isBanned(err):
		return banned, nil
	case err != nil:
		return domain.AccountVerdict{}, err
	case signedIn:
		return a.logOut(ctx)
	}
	code, err := a.awaitCode(ctx)
	if err != nil {
		return domain.AccountVerdict{}, err
	}
	return a.signIn(ctx, hash, code)
}

// sendCode asks for a login code, and once more when the first went
// in-app and the next would go to Fragment. It returns the
// phone_code_hash, or signedIn when Telegram says the client is already.
func (a *attempt) sendCode(ctx context.Context) (hash string, signedIn bool, err error) {
	sent, err := a.api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{
		PhoneNumber: a.phone, APIID: a.c.appID, APIHash: a.c.appHash, Settings: tg.CodeSettings{},
	})
	if err != nil {
		return "", false, a.fail("auth.sendCode", err)
	}
	s, ok := sent.(*tg.AuthSentCode)
	if !ok || onFragment(s.Type) || !nextOnFragment(s.NextType) {
		return a.sent("auth.sendCode", sent)
	}
	a.c.log.Debug("mtproto: first code went in-app; resending it to Fragment", "number", a.number, "type", s.Type.TypeName())
	sent, err = a.api.AuthResendCode(ctx, &tg.AuthResendCodeRequest{PhoneNumber: a.phone, PhoneCodeHash: s.PhoneCodeHash})
	if err != nil {
		return "", false, a.fail("auth.resendCode", err)
	}
	return a.sent("auth.resendCode", sent)
}

// sent reads a sentCode answer.
func (a *attempt) sent(step string, sent tg.AuthSentCodeClass) (string, bool, error) {
	switch s := sent.(type) {
	case *tg.AuthSentCodeSuccess:
		return "", true, nil
	case *tg.AuthSentCode:
		if !onFragment(s.Type) {
			a.c.log.Warn("mtproto: login code not sent to Fragment; waiting for it there anyway",
				"number", a.number, "type", s.Type.TypeName())
		}
		a.c.log.Debug("mtproto: login code sent", "number", a.number, "step", step)
		return s.PhoneCodeHash, false, nil
	}
	return "", false, unexpected(step, sent)
}

func onFragment(t tg.AuthSentCodeTypeClass) bool {
	_, ok := t.(*tg.AuthSentCodeTypeFragmentSMS)
	return ok
}

func nextOnFragment(t tg.AuthCodeTypeClass) bool {
	_, ok := t.(*tg.AuthCodeTypeFragmentSMS)
	return ok
}

func (a *attempt) signIn(ctx context.Context, hash, code string) (domain.AccountVerdict, error) {
	auth, err := a.api.AuthSignIn(ctx, &tg.AuthSignInRequest{PhoneNumber: a.phone, PhoneCodeHash: hash, PhoneCode: code})
	switch {
	case tgerr.Is(err, "SESSION_PASSWORD_NEEDED"):
		return a.deleteAccount(ctx)
	case isBanned(err):
		return banned, nil
	case err != nil:
		return domain.AccountVerdict{}, a.fail("auth.signIn", err)
	}
	switch auth.(type) {
	case *tg.AuthAuthorization:
		return a.logOut(ctx)
	case *tg.AuthAuthorizationSignUpRequired:
		return absent, nil
	}
	return domain.AccountVerdict{}, unexpected("auth.signIn", auth)
}

// deleteAccount deletes an account whose password we lack. Telegram
// delays that when the account has a password: 2FA_CONFIRM_WAIT_<s>
// says for how many seconds more, and the deletion is pending till then.
func (a *attempt) deleteAccount(ctx context.Context) (domain.AccountVerdict, error) {
	a.c.log.Debug("mtproto: account has a cloud password; deleting it", "number", a.number)
	ok, err := a.api.AccountDeleteAccount(ctx, &tg.AccountDeleteAccountRequest{Reason: a.c.reason})
	if rpc, wait := tgerr.AsType(err, "2FA_CONFIRM_WAIT"); wait {
		until := a.c.now().Add(time.Duration(rpc.Argument) * time.Second)
		return domain.AccountVerdict{Outcome: domain.AccountDeletionPending, Until: until}, nil
	}
	if err != nil {
		return domain.AccountVerdict{}, a.fail("account.deleteAccount", err)
	}
	if !ok {
		return domain.AccountVerdict{}, unexpected("account.deleteAccount", false)
	}
	return deleted, nil
}

// logOut ends the session the check signed in with: left open, it would
// be a stranger's session on the next renter's account.
func (a *attempt) logOut(ctx context.Context) (domain.AccountVerdict, error) {
	if _, err := a.api.AuthLogOut(ctx); err != nil {
		return domain.AccountVerdict{}, a.fail("auth.logOut", err)
	}
	return clean, nil
}

func (a *attempt) fail(step string, err error) error { return classify(a.outer, step, err) }

func isBanned(err error) bool { return tgerr.Is(err, "PHONE_NUMBER_BANNED") }
