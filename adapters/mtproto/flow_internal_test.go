package mtproto

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"allot/domain"
)

func TestAttempt_run_requests(t *testing.T) {
	api := &fakeAPI{}
	api.on(tg.AuthSendCodeRequestTypeID, func(req bin.Encoder) (bin.Encoder, error) {
		r := req.(*tg.AuthSendCodeRequest)
		if r.PhoneNumber != "88801234567" || r.APIID != 1 || r.APIHash != testHash || !r.Settings.Zero() {
			t.Errorf("sendCode(phone %q, id %d, settings %v): want digits without +, the app's id and hash, empty settings",
				r.PhoneNumber, r.APIID, r.Settings)
		}
		return fragmentSent, nil
	})
	api.on(tg.AuthSignInRequestTypeID, func(req bin.Encoder) (bin.Encoder, error) {
		r := req.(*tg.AuthSignInRequest)
		if r.PhoneCodeHash != "h1" || r.PhoneCode != "12345" || r.PhoneNumber != "88801234567" {
			t.Errorf("signIn(%q, %q, %q)", r.PhoneNumber, r.PhoneCodeHash, r.PhoneCode)
		}
		return nil, tgerr.New(401, "SESSION_PASSWORD_NEEDED")
	})
	api.on(tg.AccountDeleteAccountRequestTypeID, func(req bin.Encoder) (bin.Encoder, error) {
		r := req.(*tg.AccountDeleteAccountRequest)
		if r.Reason != DefaultReason || r.Password != nil {
			t.Errorf("deleteAccount(%q, %v): want the default reason and no password", r.Reason, r.Password)
		}
		return nil, tgerr.New(420, "2FA_CONFIRM_WAIT_604800")
	})
	v, err := runFlow(t, api)
	want := domain.AccountVerdict{Outcome: domain.AccountDeletionPending, Until: testNow.Add(7 * 24 * time.Hour)}
	if err != nil || v != want {
		t.Fatalf("run = %v, %v; want %v", v, err, want)
	}
}

func TestAttempt_run(t *testing.T) {
	signedIn := &tg.AuthAuthorization{User: &tg.User{ID: 1}}
	inApp := &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, PhoneCodeHash: "h0", NextType: &tg.AuthCodeTypeFragmentSMS{}}
	tests := []struct {
		name      string
		api       *fakeAPI
		want      domain.AccountOutcome
		wantErr   error // a sentinel; nil: no error
		wantCalls []string
	}{
		{
			name: "already signed in: logged out, clean",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, &tg.AuthSentCodeSuccess{Authorization: signedIn}).
				reply(tg.AuthLogOutRequestTypeID, &tg.AuthLoggedOut{}),
			want: domain.AccountClean, wantCalls: []string{"auth.sendCode", "auth.logOut"},
		},
		{
			name: "in-app first: resent",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, inApp).
				reply(tg.AuthResendCodeRequestTypeID, fragmentSent).
				reply(tg.AuthSignInRequestTypeID, &tg.AuthAuthorizationSignUpRequired{}),
			want: domain.AccountAbsent, wantCalls: []string{"auth.sendCode", "auth.resendCode", "auth.signIn"},
		},
		{
			name: "in-app with no Fragment next: not resent",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, PhoneCodeHash: "h1"}).
				reply(tg.AuthSignInRequestTypeID, &tg.AuthAuthorizationSignUpRequired{}),
			want: domain.AccountAbsent, wantCalls: []string{"auth.sendCode", "auth.signIn"},
		},
		{
			name: "resend refused",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, inApp).
				fail(tg.AuthResendCodeRequestTypeID, tgerr.New(420, "FLOOD_WAIT_7")),
			wantErr: ErrFloodWait, wantCalls: []string{"auth.sendCode", "auth.resendCode"},
		},
		{
			name: "banned at sign-in",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, fragmentSent).
				fail(tg.AuthSignInRequestTypeID, tgerr.New(400, "PHONE_NUMBER_BANNED")),
			want: domain.AccountBanned,
		},
		{
			name: "log-out fails",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, fragmentSent).
				reply(tg.AuthSignInRequestTypeID, signedIn).
				fail(tg.AuthLogOutRequestTypeID, tgerr.New(500, "INTERNAL")),
			wantErr: ErrUnavailable, wantCalls: []string{"auth.sendCode", "auth.signIn", "auth.logOut"},
		},
		{
			name: "deletion answered false",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, fragmentSent).
				fail(tg.AuthSignInRequestTypeID, tgerr.New(401, "SESSION_PASSWORD_NEEDED")).
				reply(tg.AccountDeleteAccountRequestTypeID, &tg.BoolFalse{}),
			wantErr: ErrUnexpected,
		},
		{
			name: "deleted at once",
			api: (&fakeAPI{}).reply(tg.AuthSendCodeRequestTypeID, fragmentSent).
				fail(tg.AuthSignInRequestTypeID, tgerr.New(401, "SESSION_PASSWORD_NEEDED")).
				reply(tg.AccountDeleteAccountRequestTypeID, &tg.BoolTrue{}),
			want: domain.AccountDeleted,
		},
		{
			name:    "connection lost",
			api:     (&fakeAPI{}).fail(tg.AuthSendCodeRequestTypeID, context.Canceled),
			wantErr: ErrUnavailable,
		},
		{
			name:    "number invalid",
			api:     (&fakeAPI{}).fail(tg.AuthSendCodeRequestTypeID, tgerr.New(400, "PHONE_NUMBER_INVALID")),
			wantErr: ErrBadNumber,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := runFlow(t, tt.api)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case v.Outcome != tt.want:
				t.Errorf("outcome = %v, want %v", v.Outcome, tt.want)
			}
			if tt.wantCalls != nil && !slices.Equal(tt.api.Calls(), tt.wantCalls) {
				t.Errorf("calls = %v, want %v", tt.api.Calls(), tt.wantCalls)
			}
		})
	}
}

// A lost connection's context.Canceled must not read as the caller's.
func TestAttempt_run_lostConnectionIsNotCallers(t *testing.T) {
	_, err := runFlow(t, (&fakeAPI{}).fail(tg.AuthSendCodeRequestTypeID, context.Canceled))
	if errors.Is(err, context.Canceled) {
		t.Errorf("err = %v wraps context.Canceled", err)
	}
}
