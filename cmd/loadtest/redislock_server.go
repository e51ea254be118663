package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errNoRedis says the baseline cannot run here; -mode redislock reports a
// skipped run rather than a failure, because Redis is no dependency of Allot.
var errNoRedis = errors.New("redis-server is not in PATH")

// redisServer is a redis-server this process started and will stop.
type redisServer struct {
	cmd     *exec.Cmd
	addr    string
	dir     string
	version string
	exited  chan struct{}
	log     *os.File
}

// startRedis starts redis-server on a free loopback port, in a fresh
// directory, without RDB snapshots or AOF: the issue's baseline ("loopback,
// no AOF") is Redis at its fastest, which makes the comparison Allot's
// hardest, not its easiest.
func startRedis(maxClients int) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errNoRedis
	}
	raiseFileLimit()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "allot-redislock-")
	if err != nil {
		return nil, err
	}
	s := &redisServer{addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir, exited: make(chan struct{})}
	if s.log, err = os.Create(dir + "/redis.log"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
		"--maxclients", strconv.Itoa(max(10000, maxClients)), "--logfile", "")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.log.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(10 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady pings until the server answers; it also learns its version
// for the report, since figures differ between Redis releases.
func (s *redisServer) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server exited at start: %s", s.tail())
		default:
		}
		if c, err := dialRESP(s.addr); err == nil {
			rep, err := c.do("INFO", "server")
			c.Close()
			if err == nil {
				s.version = infoField(rep.str, "redis_version")
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer on %s in %v: %s", s.addr, limit, s.tail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop asks the server to go (SIGTERM; nothing to save) and kills it if it
// lingers, then removes its directory.
func (s *redisServer) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.log.Close()
	os.RemoveAll(s.dir)
}

// tail is the end of the server's log, for an error message.
func (s *redisServer) tail() string {
	b, _ := os.ReadFile(s.dir + "/redis.log")
	if len(b) > 500 {
		b = b[len(b)-500:]
	}
	return strings.TrimSpace(string(b))
}

func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before redis-server binds; then the start fails and says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// raiseFileLimit lifts the soft open-files limit to the hard one. Go lifts
// its own at start but gives children the original, often 1024: too few for
// redis-server to accept a connection per user. Setting it explicitly makes
// the child inherit it.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		lim.Cur = lim.Max // even when already equal: the call is what passes it on
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}
