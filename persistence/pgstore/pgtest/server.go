package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled means this machine has no PostgreSQL server binaries (or,
// running as root, no postgres user to run them as): a test skips on it,
// except under CI=true where .ci/run should have installed them, and a
// command reports it as it is, since the message says what to install.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL is not installed (initdb and postgres not on PATH nor under /usr/lib/postgresql/*/bin); install Debian's postgresql package: apt-get install postgresql")

// startTimeout bounds initdb plus the server's start; a throwaway cluster
// usually needs about a second.
const startTimeout = 60 * time.Second

// Server is one throwaway PostgreSQL cluster: a data directory in a
// temporary directory, a postmaster listening on a unix socket in that
// directory and on a free loopback TCP port. Over TCP the superuser
// postgres is trusted and every other role must give its password
// (scram-sha-256), so tests can check wrong credentials.
type Server struct {
	dir      string // temporary directory: data/, the socket, postgres.log
	port     int
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the postmaster has exited
	once     sync.Once
	closeErr error // what the first Close could not do
	n        int   // databases created, for unique names
	mu       sync.Mutex
}

// debianBins is where Debian's postgresql packages put the server
// binaries, one directory per major version, off PATH.
var debianBins = "/usr/lib/postgresql/*/bin"

// binaries finds the directory holding initdb and postgres: PATH first,
// then Debian's versioned directories, newest version first.
func binaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if isFile(filepath.Join(filepath.Dir(p), "postgres")) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob(debianBins)
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// version reads the major version out of /usr/lib/postgresql/<v>/bin.
func version(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// runAs is the account the server runs under: PostgreSQL refuses root, so
// a root test process hands the cluster to the postgres user; anyone else
// runs it as themselves (nil).
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root needs a postgres user to run the server as: %v", ErrNotInstalled, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pgtest: user postgres has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// tempDir makes a directory short enough for a unix socket path (at most
// 107 bytes) owned by the account that will run the server. For the
// postgres user it is made in /tmp, which every user can reach, whatever
// TMPDIR says (root's may be under /root, closed to others).
func tempDir(cred *syscall.Credential) (string, error) {
	base := ""
	if cred != nil {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "pgtest-")
	if err == nil && len(dir) > 80 {
		_ = os.Remove(dir)
		dir, err = os.MkdirTemp("/tmp", "pgtest-")
	}
	if err != nil {
		return "", fmt.Errorf("pgtest: make temporary directory: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("pgtest: hand %s to the postgres user: %w", dir, err)
		}
	}
	return dir, nil
}

// freePort asks the kernel for a loopback port nobody listens on. Another
// process may take it before the server binds it; start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// hba trusts the superuser (tests create databases and roles with it) and
// makes every other role authenticate, so a wrong password is testable.
const hba = `local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
`

// StartServer runs initdb in a fresh temporary directory and starts a
// server on a free port, retrying with another port if the bind fails. It
// is the entry point for a command (the load test) that needs a throwaway
// PostgreSQL outside a test: the caller owns the server and must Close it,
// which stops it and removes its directory. ctx bounds the start, which is
// also bounded by a minute of its own. Without PostgreSQL's binaries the
// error wraps ErrNotInstalled.
func StartServer(ctx context.Context) (*Server, error) {
	bin, err := binaries()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := tempDir(cred)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := initdb(ctx, bin, dir, cred); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		s, err := launch(ctx, bin, dir, cred)
		if err == nil || attempt == 2 || ctx.Err() != nil {
			if err != nil {
				_ = os.RemoveAll(dir)
			}
			return s, err
		}
	}
}

func initdb(ctx context.Context, bin, dir string, cred *syscall.Credential) error {
	data := filepath.Join(dir, "data")
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb in %s: %w\n%s", data, err, out)
	}
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("pgtest: write pg_hba.conf: %w", err)
	}
	if cred != nil {
		if err := os.Chown(filepath.Join(data, "pg_hba.conf"), int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: hand pg_hba.conf to postgres: %w", err)
		}
	}
	return nil
}

// launch starts the postmaster on a fresh port and waits until it accepts
// connections. It dies with the process that started it (Pdeathsig), so a
// test that times out or panics, or a command killed before its Close,
// does not leave servers behind (their directories stay in /tmp).
func launch(ctx context.Context, bin, dir string, cred *syscall.Credential) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgtest: open server log: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-k", dir, "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=200")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s := &Server{dir: dir, port: port, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, tail(logPath))
	}
	return s, nil
}

// waitReady polls until the superuser can connect over TCP.
func (s *Server) waitReady(ctx context.Context) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, s.URL("postgres"))
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pgtest: postgres exited during start: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready after %v: %w", startTimeout, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill stops the postmaster at once (SIGKILL to its process group) and
// waits for it; the data directory stays.
func (s *Server) kill() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// tail returns the last lines of the server's log for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// Close shuts the server down (immediate mode: nothing of a throwaway
// cluster needs a checkpoint) and removes its directory; the error says
// what could not be removed. It is safe to call more than once, and every
// call returns the first call's result.
func (s *Server) Close() error {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.kill()
		}
		if err := os.RemoveAll(s.dir); err != nil {
			s.closeErr = fmt.Errorf("pgtest: remove the server's directory: %w", err)
		}
	})
	return s.closeErr
}

// Stop is Close for a cleanup that has nowhere to report an error, such as
// a deferred call in TestMain.
func (s *Server) Stop() { _ = s.Close() }
