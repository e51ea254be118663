package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tgChild is the real bot: bin/allot run, started again and again on one
// data directory, with its output appended to one log file.
type tgChild struct {
	bin     string   // bin/allot
	dir     string   // the run's directory: the child's working directory and its log
	dataDir string   // DATA_DIR
	env     []string // the settings every start shares

	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// tgBinary finds bin/allot beside this executable: the load test drives
// the binary people run, not a copy of its wiring.
func tgBinary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(filepath.Dir(exe), "allot")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("-mode tgcrash runs the real bot, %s, which is missing: run `make build` first (%w)", bin, err)
	}
	return bin, nil
}

// tgChildEnv is the bot's whole environment: nothing of this process's
// own (a stray KINDS_FILE or Sheets setting would change the bot), long
// polling on the wire, the people's per-person limits off (they send as
// fast as the bot answers), and the owner and the other admins.
func tgChildEnv(dataDir, apiURL, token, fsync string, owner string, admins []string) []string {
	env := []string{"DATA_DIR=" + dataDir, "FSYNC=" + fsync, "BOT_TOKEN=" + token, "TELEGRAM_API_URL=" + apiURL,
		"OWNER_ID=" + owner, "ADMIN_IDS=" + strings.Join(admins, ","), "LOG_LEVEL=info",
		"RATE_LIMIT_USER_MESSAGES=off", "RATE_LIMIT_USER_OPERATIONS=off", "RATE_LIMIT_USER_PAYMENTS=off",
		"RATE_LIMIT_GLOBAL_MESSAGES=off"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// start runs the bot once more on a free HTTP port. Its working directory
// is the run's, so no .env of the caller's is read.
func (c *tgChild) start(instance int64) error {
	addr, err := tgFreeAddr()
	if err != nil {
		return err
	}
	if c.log == nil {
		if c.log, err = os.OpenFile(filepath.Join(c.dir, "allot.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.log, "=== loadtest tgcrash: start %d at %s\n", instance, time.Now().Format(time.RFC3339Nano))
	c.cmd = exec.Command(c.bin, "run")
	c.cmd.Dir = c.dir
	c.cmd.Env = append(append([]string(nil), c.env...), "HTTP_ADDR="+addr)
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	if err := c.cmd.Start(); err != nil {
		return err
	}
	c.exited = make(chan struct{})
	go func() { c.err = c.cmd.Wait(); close(c.exited) }()
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *tgChild) kill() error {
	err := c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
	if errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("the bot exited before it was killed: %v", c.err)
	}
	return err
}

// term stops the bot as systemd would: SIGTERM, then SIGKILL after limit.
// It returns an error if the bot did not stop cleanly.
func (c *tgChild) term(limit time.Duration) error {
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		<-c.exited
		return fmt.Errorf("the bot exited before it was stopped: %v", c.err)
	}
	select {
	case <-c.exited:
		if c.err != nil {
			return fmt.Errorf("the bot's stop: %w", c.err)
		}
		return nil
	case <-time.After(limit):
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		<-c.exited
		return fmt.Errorf("the bot did not stop within %s of SIGTERM: killed", limit)
	}
}

// running reports an early exit: the bot is to be up until it is killed.
func (c *tgChild) running() error {
	select {
	case <-c.exited:
		return fmt.Errorf("the bot exited on its own: %v", c.err)
	default:
		return nil
	}
}

func (c *tgChild) close() {
	if c.cmd != nil && c.exited != nil {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Signal(syscall.SIGKILL)
			<-c.exited
		}
	}
	if c.log != nil {
		_ = c.log.Close()
	}
}

// tail returns the last n lines of the bot's log.
func (c *tgChild) tail(n int) string {
	b, err := os.ReadFile(filepath.Join(c.dir, "allot.log"))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return lastLines(string(b), n)
}

// lastLines is the last n lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// tgFreeAddr is a loopback address nobody listens on now.
func tgFreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
