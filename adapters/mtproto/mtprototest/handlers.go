package mtprototest

import (
	"crypto/rand"
	"fmt"
	"hash/crc32"
	mrand "math/rand/v2"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

// codeLength is the length of the codes the fake sends, as Telegram's.
const codeLength = 5

// Errors the fake answers, as Telegram names them.
var (
	errBadRequest     = tgerr.New(400, "INPUT_REQUEST_INVALID")
	errMethod         = tgerr.New(400, "INPUT_METHOD_INVALID")
	errInternal       = tgerr.New(500, "INTERNAL_SERVER_ERROR")
	errPhoneInvalid   = tgerr.New(400, "PHONE_NUMBER_INVALID")
	errBanned         = tgerr.New(400, "PHONE_NUMBER_BANNED")
	errAPIID          = tgerr.New(400, "API_ID_INVALID")
	errHashEmpty      = tgerr.New(400, "PHONE_CODE_HASH_EMPTY")
	errCodeEmpty      = tgerr.New(400, "PHONE_CODE_EMPTY")
	errCodeExpired    = tgerr.New(400, "PHONE_CODE_EXPIRED")
	errCodeInvalid    = tgerr.New(400, "PHONE_CODE_INVALID")
	errPasswordNeeded = tgerr.New(401, "SESSION_PASSWORD_NEEDED")
	errUnregistered   = tgerr.New(401, "AUTH_KEY_UNREGISTERED")
	errPasswordHash   = tgerr.New(400, "PASSWORD_HASH_INVALID")
)

// method is one RPC of the fake: it decodes req and answers a result or
// an RPC error. It takes s.mu itself, because OnCode must run outside it.
type method func(req *tgtest.Request) (bin.Encoder, *tgerr.Error)

func (s *Server) register(d *tgtest.Dispatcher) {
	d.Handle(tg.AuthSendCodeRequestTypeID, s.rpc(MethodSendCode, s.sendCode))
	d.Handle(tg.AuthResendCodeRequestTypeID, s.rpc(MethodResendCode, s.resendCode))
	d.Handle(tg.AuthSignInRequestTypeID, s.rpc(MethodSignIn, s.signIn))
	d.Handle(tg.AuthLogOutRequestTypeID, s.rpc(MethodLogOut, s.logOut))
	d.Handle(tg.AccountDeleteAccountRequestTypeID, s.rpc(MethodDeleteAccount, s.deleteAccount))
	d.Fallback(tgtest.HandlerFunc(unknown))
}

// rpc makes m a tgtest handler: injected faults first, panics turned
// into INTERNAL_SERVER_ERROR, RPC errors sent as rpc_error.
func (s *Server) rpc(name string, m method) tgtest.Handler {
	return tgtest.HandlerFunc(func(srv *tgtest.Server, req *tgtest.Request) (err error) {
		defer func() {
			if recover() != nil {
				err = errInternal
			}
		}()
		if e := s.fault(name); e != nil {
			return e
		}
		res, e := m(req)
		if e != nil {
			return e
		}
		return srv.SendResult(req, res)
	})
}

// unknown answers what the fake does not play. Acknowledgements are not
// requests and get no answer.
func unknown(_ *tgtest.Server, req *tgtest.Request) error {
	if id, err := req.Buf.PeekID(); err == nil && id == mt.MsgsAckTypeID {
		return nil
	}
	return errMethod
}

func (s *Server) sendCode(req *tgtest.Request) (bin.Encoder, *tgerr.Error) {
	var r tg.AuthSendCodeRequest
	if r.Decode(req.Buf) != nil {
		return nil, errBadRequest
	}
	d := digits(r.PhoneNumber)
	switch {
	case d == "":
		return nil, errPhoneInvalid
	case r.APIID <= 0 || r.APIHash == "":
		return nil, errAPIID
	}
	s.mu.Lock()
	n := s.numberOf(d)
	if n.banned {
		s.mu.Unlock()
		return nil, errBanned
	}
	inApp := n.live && n.account != nil
	sent, code := s.issue(d, inApp)
	s.mu.Unlock()
	if !inApp {
		s.deliver(d, code)
	}
	return sent, nil
}

func (s *Server) resendCode(req *tgtest.Request) (bin.Encoder, *tgerr.Error) {
	var r tg.AuthResendCodeRequest
	if r.Decode(req.Buf) != nil {
		return nil, errBadRequest
	}
	d := digits(r.PhoneNumber)
	s.mu.Lock()
	if e := s.takeHash(d, r.PhoneCodeHash); e != nil {
		s.mu.Unlock()
		return nil, e
	}
	sent, code := s.issue(d, false)
	s.mu.Unlock()
	s.deliver(d, code)
	return sent, nil
}

// takeHash checks that hash was issued for digits d and forgets it. The
// caller holds s.mu.
func (s *Server) takeHash(d, hash string) *tgerr.Error {
	if hash == "" {
		return errHashEmpty
	}
	iss, ok := s.codes[hash]
	if !ok || iss.number != d || d == "" {
		return errCodeExpired
	}
	delete(s.codes, hash)
	return nil
}

// issue makes a code and its phone_code_hash for digits d: sent in-app
// with Fragment as the next type, or on Fragment. The caller holds s.mu.
func (s *Server) issue(d string, inApp bool) (*tg.AuthSentCode, string) {
	hash := rand.Text()
	limit := 1
	for range s.codeLen {
		limit *= 10
	}
	code := fmt.Sprintf("%0*d", s.codeLen, mrand.IntN(limit))
	s.codes[hash] = issued{number: d, code: code}
	if inApp {
		return &tg.AuthSentCode{
			Type: &tg.AuthSentCodeTypeApp{Length: s.codeLen}, PhoneCodeHash: hash,
			NextType: &tg.AuthCodeTypeFragmentSMS{}, Timeout: 60,
		}, code
	}
	return &tg.AuthSentCode{
		Type:          &tg.AuthSentCodeTypeFragmentSMS{URL: "https://fragment.com/number/" + d + "/code", Length: s.codeLen},
		PhoneCodeHash: hash,
	}, code
}

// deliver hands a code meant for Fragment to OnCode.
func (s *Server) deliver(d, code string) {
	s.mu.Lock()
	f := s.onCode
	s.mu.Unlock()
	if f != nil {
		f("+"+d, code)
	}
}

func (s *Server) signIn(req *tgtest.Request) (bin.Encoder, *tgerr.Error) {
	var r tg.AuthSignInRequest
	if r.Decode(req.Buf) != nil {
		return nil, errBadRequest
	}
	d := digits(r.PhoneNumber)
	if d == "" {
		return nil, errPhoneInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.numberOf(d)
	n.signIns++
	if e := s.checkCode(n, d, r.PhoneCodeHash, r.PhoneCode); e != nil {
		return nil, e
	}
	k := s.keyOf(req)
	switch {
	case n.account == nil:
		return &tg.AuthAuthorizationSignUpRequired{}, nil
	case n.account.Password:
		k.passed = d
		return nil, errPasswordNeeded
	}
	s.signInKey(k, d)
	return &tg.AuthAuthorization{User: &tg.User{ID: userID(d), Self: true, Phone: d}}, nil
}

// checkCode checks a signIn's hash and code; a right code uses the hash
// up. The caller holds s.mu.
func (s *Server) checkCode(n *number, d, hash, code string) *tgerr.Error {
	switch {
	case n.banned:
		return errBanned
	case hash == "":
		return errHashEmpty
	case code == "":
		return errCodeEmpty
	}
	iss, ok := s.codes[hash]
	switch {
	case !ok || iss.number != d:
		return errCodeExpired
	case iss.code != code:
		return errCodeInvalid
	}
	delete(s.codes, hash)
	return nil
}

// keyOf returns the state of the auth key req came with. The caller
// holds s.mu.
func (s *Server) keyOf(req *tgtest.Request) *authKey {
	id := req.Session.AuthKey.ID
	k := s.keys[id]
	if k == nil {
		k = &authKey{}
		s.keys[id] = k
	}
	return k
}

// signInKey signs key k in to d's account, out of any other. The caller
// holds s.mu.
func (s *Server) signInKey(k *authKey, d string) {
	if k.signedIn == d {
		return
	}
	if k.signedIn != "" {
		s.numberOf(k.signedIn).sessions--
	}
	k.signedIn = d
	s.numberOf(d).sessions++
}

func userID(d string) int64 { return int64(crc32.ChecksumIEEE([]byte(d))) + 1 }

func (s *Server) logOut(req *tgtest.Request) (bin.Encoder, *tgerr.Error) {
	if (&tg.AuthLogOutRequest{}).Decode(req.Buf) != nil {
		return nil, errBadRequest
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keyOf(req)
	if k.signedIn == "" {
		return nil, errUnregistered
	}
	s.numberOf(k.signedIn).sessions--
	k.signedIn = ""
	return &tg.AuthLoggedOut{}, nil
}

// deleteAccount deletes the account the key is signed in to at once; an
// account with a password whose code the key passed only after its
// DeleteWait, counted from the first request.
func (s *Server) deleteAccount(req *tgtest.Request) (bin.Encoder, *tgerr.Error) {
	var r tg.AccountDeleteAccountRequest
	if r.Decode(req.Buf) != nil {
		return nil, errBadRequest
	}
	if r.Password != nil {
		return nil, errPasswordHash // the fake knows no SRP
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keyOf(req)
	switch {
	case k.signedIn != "":
		return s.deleteNow(k.signedIn), nil
	case k.passed != "" && s.numberOf(k.passed).account != nil:
		return s.deleteLater(k.passed)
	}
	return nil, errUnregistered
}

// deleteLater deletes d's password account once its wait is over, and
// answers 2FA_CONFIRM_WAIT_<seconds left> before. The caller holds s.mu.
func (s *Server) deleteLater(d string) (bin.Encoder, *tgerr.Error) {
	n := s.numberOf(d)
	wait := n.account.DeleteWait
	if wait <= 0 {
		return s.deleteNow(d), nil
	}
	if n.requested.IsZero() {
		n.requested = s.now
	}
	if left := n.requested.Add(wait).Sub(s.now); left > 0 {
		secs := int((left + time.Second - 1) / time.Second)
		return nil, tgerr.New(420, fmt.Sprintf("2FA_CONFIRM_WAIT_%d", secs))
	}
	return s.deleteNow(d), nil
}

// deleteNow deletes d's account and ends every session on it. The caller
// holds s.mu.
func (s *Server) deleteNow(d string) bin.Encoder {
	n := s.numberOf(d)
	n.account, n.deleted, n.sessions = nil, true, 0
	for id, k := range s.keys {
		if k.signedIn == d || k.passed == d {
			delete(s.keys, id)
		}
	}
	return &tg.BoolTrue{}
}
