package mtprototest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
	"github.com/gotd/td/tgtest/services/config"
	"github.com/gotd/td/transport"
)

// dcID is the one data centre the fake plays: the client's default.
const dcID = 2

// Option changes how New starts the Server.
type Option func(*settings)

type settings struct {
	addr    string
	key     *rsa.PrivateKey
	codeLen int
}

// WithAddr listens on addr (host:port) instead of a random localhost
// port: a playground that runs the fake in its own process wants an
// address that outlives restarts.
func WithAddr(addr string) Option { return func(s *settings) { s.addr = addr } }

// WithKey makes the Server use key, so that clients holding its public
// half (written out with mtproto.EncodeKeysPEM) still trust it after a
// restart. Without it every Server of the process shares one key,
// generated once, because a 2048-bit key costs time under -race.
func WithKey(key *rsa.PrivateKey) Option { return func(s *settings) { s.key = key } }

// WithCodeLength makes the codes n digits long (1 to 9) instead of
// Telegram's 5: a test that looks for a code in logs wants one that cannot
// turn up there by chance (in a port, a byte count, a time).
func WithCodeLength(n int) Option {
	return func(s *settings) { s.codeLen = min(max(n, 1), 9) }
}

// sharedKey is the key of every Server started without WithKey.
var sharedKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, crypto.RSAKeyBits)
})

// Server is the fake Telegram. Make it with New and stop it with Close.
type Server struct {
	srv    *tgtest.Server
	ln     *listener
	key    *rsa.PrivateKey
	cfg    tg.Config // help.getConfig's answer: the client's DC list comes from it
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu      sync.Mutex
	now     time.Time
	numbers map[string]*number        // by digits
	keys    map[[8]byte]*authKey      // by auth key id
	codes   map[string]issued         // by phone_code_hash
	faults  map[string][]*tgerr.Error // by method, oldest first
	onCode  func(number, code string)
	codeLen int // digits in a code
}

// New starts a Server on a random localhost port and returns once it
// listens. Its clock starts at the current time and stands still until
// SetNow or Advance moves it.
func New(opts ...Option) (*Server, error) {
	st := settings{addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&st)
	}
	key, err := keyOf(st)
	if err != nil {
		return nil, err
	}
	nl, err := net.Listen("tcp", st.addr)
	if err != nil {
		return nil, fmt.Errorf("mtprototest: listen: %w", err)
	}
	s := newServer(key, nl)
	if st.codeLen > 0 {
		s.codeLen = st.codeLen
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.serve(ctx)
	return s, nil
}

func keyOf(st settings) (*rsa.PrivateKey, error) {
	if st.key != nil {
		return st.key, nil
	}
	key, err := sharedKey()
	if err != nil {
		return nil, fmt.Errorf("mtprototest: generate key: %w", err)
	}
	return key, nil
}

func newServer(key *rsa.PrivateKey, nl net.Listener) *Server {
	s := &Server{
		ln: newListener(nl), key: key, done: make(chan struct{}), now: time.Now(), codeLen: codeLength,
		numbers: map[string]*number{}, keys: map[[8]byte]*authKey{},
		codes: map[string]issued{}, faults: map[string][]*tgerr.Error{},
	}
	s.cfg = tg.Config{ThisDC: dcID, DCOptions: []tg.DCOption{dcOption(nl.Addr())}}
	d := tgtest.NewDispatcher()
	config.NewService(&s.cfg, &tg.CDNConfig{}).Register(d)
	s.register(d)
	s.srv = tgtest.NewServer(tgtest.NewPrivateKey(key), tgtest.UnpackInvoke(d), tgtest.ServerOptions{DC: dcID})
	return s
}

func dcOption(a net.Addr) tg.DCOption {
	ta, _ := a.(*net.TCPAddr)
	if ta == nil {
		return tg.DCOption{ID: dcID, Static: true}
	}
	return tg.DCOption{ID: dcID, Static: true, Ipv6: ta.IP.To4() == nil, IPAddress: ta.IP.String(), Port: ta.Port}
}

// serve runs tgtest's server until Close. tgtest stops serving when one
// connection sends a broken transport header; serving again keeps the
// fake up for everyone else.
func (s *Server) serve(ctx context.Context) {
	defer close(s.done)
	for ctx.Err() == nil {
		_ = s.srv.Serve(ctx, transport.Listen(s.ln))
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Addr is the host:port the Server listens on: mtproto.Options.Server.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Keys are the public keys a client must trust to talk to the Server:
// mtproto.Options.ServerKeys.
func (s *Server) Keys() []*rsa.PublicKey {
	pub := s.key.PublicKey
	return []*rsa.PublicKey{&pub}
}

// Close stops the Server, drops every connection and waits until its
// goroutines are gone. Closing again does nothing.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		s.ln.shutdown()
		<-s.done
	})
}
