package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// A small RESP2 client for -mode redislock: the baseline needs half a dozen
// commands, and a module dependency for that would be carried by every
// build of Allot, which has no Redis.

// respReply is one reply: a simple or bulk string, an integer, an array,
// or nil (a missing key, a SET NX that did not set).
type respReply struct {
	kind byte // '+', '$', ':', '*' (or '-' only inside an array)
	str  string
	n    int64
	arr  []respReply
	nil  bool
}

// redisError is an error reply ("-ERR ..."): the server's answer, not a
// broken connection, so the caller may go on using the connection.
type redisError string

func (e redisError) Error() string { return "redis: " + string(e) }

var errRESPProtocol = errors.New("redis: protocol error")

// appendCommand encodes args as a RESP array of bulk strings, the one form
// of request every Redis accepts.
func appendCommand(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// readReply reads one reply. An error reply at the top level comes back
// as a redisError; inside an array it stays an element of kind '-'.
func readReply(r *bufio.Reader) (respReply, error) {
	rep, err := readValue(r)
	if err == nil && rep.kind == '-' {
		return rep, redisError(rep.str)
	}
	return rep, err
}

func readValue(r *bufio.Reader) (respReply, error) {
	line, err := readLine(r)
	if err != nil {
		return respReply{}, err
	}
	if len(line) == 0 {
		return respReply{}, fmt.Errorf("%w: empty line", errRESPProtocol)
	}
	kind, rest := line[0], string(line[1:])
	switch kind {
	case '+', '-':
		return respReply{kind: kind, str: rest}, nil
	case ':':
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return respReply{}, fmt.Errorf("%w: integer %q", errRESPProtocol, rest)
		}
		return respReply{kind: kind, n: n}, nil
	case '$':
		return readBulk(r, rest)
	case '*':
		return readArray(r, rest)
	}
	return respReply{}, fmt.Errorf("%w: type byte %q", errRESPProtocol, kind)
}

func readBulk(r *bufio.Reader, size string) (respReply, error) {
	n, err := strconv.Atoi(size)
	if err != nil || n < -1 || n > 512<<20 {
		return respReply{}, fmt.Errorf("%w: bulk length %q", errRESPProtocol, size)
	}
	if n == -1 {
		return respReply{kind: '$', nil: true}, nil
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return respReply{}, err
	}
	if buf[n] != '\r' || buf[n+1] != '\n' {
		return respReply{}, fmt.Errorf("%w: bulk string not ended by CRLF", errRESPProtocol)
	}
	return respReply{kind: '$', str: string(buf[:n])}, nil
}

func readArray(r *bufio.Reader, size string) (respReply, error) {
	n, err := strconv.Atoi(size)
	if err != nil || n < -1 || n > 1<<20 {
		return respReply{}, fmt.Errorf("%w: array length %q", errRESPProtocol, size)
	}
	if n == -1 {
		return respReply{kind: '*', nil: true}, nil
	}
	rep := respReply{kind: '*', arr: make([]respReply, n)}
	for i := range rep.arr {
		if rep.arr[i], err = readValue(r); err != nil {
			return respReply{}, err
		}
	}
	return rep, nil
}

// readLine returns a CRLF-terminated line without its CRLF.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line too long", errRESPProtocol)
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: line not ended by CRLF", errRESPProtocol)
	}
	return line[:len(line)-2], nil
}

// respConn is one connection, used by one goroutine at a time.
type respConn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func dialRESP(addr string) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &respConn{c: c, r: bufio.NewReader(c)}, nil
}

// do sends one command and waits for its reply: one round trip, as the
// seed's bot makes for every step of a rent.
func (rc *respConn) do(args ...string) (respReply, error) {
	rc.buf = appendCommand(rc.buf[:0], args...)
	if _, err := rc.c.Write(rc.buf); err != nil {
		return respReply{}, err
	}
	return readReply(rc.r)
}

// pipeline sends every command before reading the replies. Only the
// check after the run uses it, so that reading 100k numbers back takes
// a moment, not minutes; the measured operations never do.
func (rc *respConn) pipeline(cmds [][]string) ([]respReply, error) {
	rc.buf = rc.buf[:0]
	for _, c := range cmds {
		rc.buf = appendCommand(rc.buf, c...)
	}
	if _, err := rc.c.Write(rc.buf); err != nil {
		return nil, err
	}
	out := make([]respReply, len(cmds))
	for i := range out {
		var err error
		if out[i], err = readReply(rc.r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (rc *respConn) Close() error { return rc.c.Close() }
