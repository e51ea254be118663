package mtprototest

import (
	"net"
	"sync"
)

// listener keeps the connections it accepted, because tgtest's server
// notices neither a cancelled context nor a closed listener on a
// connection that is waiting to read: Close has to close them itself to
// return at once. Its own Close does nothing; shutdown closes it for
// real, so that serve can start tgtest again on the same port.
type listener struct {
	net.Listener

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
}

func newListener(l net.Listener) *listener {
	return &listener{Listener: l, conns: map[*conn]struct{}{}}
}

func (l *listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = nc.Close()
		return nil, net.ErrClosed
	}
	c := &conn{Conn: nc, l: l}
	l.conns[c] = struct{}{}
	return c, nil
}

// Close is a no-op: see listener.
func (l *listener) Close() error { return nil }

func (l *listener) shutdown() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = map[*conn]struct{}{}
	l.mu.Unlock()
	_ = l.Listener.Close()
	for c := range conns {
		_ = c.Conn.Close()
	}
}

func (l *listener) forget(c *conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// conn leaves its listener's books when closed.
type conn struct {
	net.Conn
	l *listener
}

func (c *conn) Close() error {
	c.l.forget(c)
	return c.Conn.Close()
}
