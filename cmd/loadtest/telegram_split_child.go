package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// botChild is the driver's handle on the bot's process (-mode
// telegram-bot). They speak in lines: the child says "ready", answers
// each "cpu" on its stdin with "cpu <ns>", and, once its stdin closes,
// prints "result <JSON>" and exits.
type botChild struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr stderrTail

	// The child's lines by their first word, without it. Each holds at
	// most one: the driver asks once and waits for the answer.
	ready, cpu, result chan string

	exited chan struct{} // closed once the child is gone and all its output read
	err    error         // cmd.Wait's, once exited is closed
}

// startBotChild starts cmd. Its stderr goes to this process's too, and
// its tail into the errors that say why the child failed.
func startBotChild(cmd *exec.Cmd) (*botChild, error) {
	c := &botChild{cmd: cmd, ready: make(chan string, 1), cpu: make(chan string, 1),
		result: make(chan string, 1), exited: make(chan struct{})}
	cmd.Stderr = io.MultiWriter(os.Stderr, &c.stderr)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("the bot process's stdin: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("the bot process's stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the bot process %s: %w", cmd.Path, err)
	}
	c.stdin = in
	go func() {
		c.read(out)
		c.err = cmd.Wait() // only now: Wait closes the pipe read above
		close(c.exited)
	}()
	return c, nil
}

// read sorts the child's lines until its stdout closes. Any other line is
// passed on to stderr, not lost; after a line too long to scan the rest is
// discarded, so that the child never blocks writing.
func (c *botChild) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		word, rest, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "ready":
			c.ready <- rest
		case "cpu":
			c.cpu <- rest
		case "result":
			c.result <- rest
		default:
			fmt.Fprintf(c.cmd.Stderr, "bot process: %s\n", sc.Text())
		}
	}
	_, _ = io.Copy(io.Discard, out)
}

// waitReady waits for the child's "ready", for at most limit.
func (c *botChild) waitReady(limit time.Duration) error {
	_, err := c.await(c.ready, "say ready", limit)
	return err
}

// cpuTime asks the child for its CPU time, user and system.
func (c *botChild) cpuTime() (time.Duration, error) {
	const what = "answer with its CPU time"
	if _, err := io.WriteString(c.stdin, "cpu\n"); err != nil {
		select { // a pipe no one reads: the child is gone, and why is the news
		case <-c.exited:
			return 0, c.gone(what)
		case <-time.After(botAnswerWait):
			return 0, fmt.Errorf("ask the bot process for its CPU time: %w; its stderr ends:\n%s", err, c.stderr.String())
		}
	}
	s, err := c.await(c.cpu, what, botAnswerWait)
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the bot process's CPU time: %w", err)
	}
	return time.Duration(ns), nil
}

// finish closes the child's stdin, which stops it, and returns its result
// once it has exited cleanly within limit.
func (c *botChild) finish(limit time.Duration) (botReport, error) {
	_ = c.stdin.Close()
	s, err := c.await(c.result, "print its result", limit)
	if err != nil {
		return botReport{}, err
	}
	select {
	case <-c.exited:
	case <-time.After(limit):
		return botReport{}, fmt.Errorf("the bot process did not exit within %s of its result", limit)
	}
	if c.err != nil {
		return botReport{}, fmt.Errorf("the bot process: %w; its stderr ends:\n%s", c.err, c.stderr.String())
	}
	var rep botReport
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		return botReport{}, fmt.Errorf("the bot process's result: %w", err)
	}
	return rep, nil
}

// await returns the next line on ch, or fails when the child exits first
// or limit passes; what is what the child was to do, for the error.
func (c *botChild) await(ch <-chan string, what string, limit time.Duration) (string, error) {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case s := <-ch:
		return s, nil
	case <-c.exited:
		select { // the line may have come just before the end
		case s := <-ch:
			return s, nil
		default:
		}
		return "", c.gone(what)
	case <-t.C:
		return "", fmt.Errorf("the bot process did not %s within %s; its stderr ends:\n%s", what, limit, c.stderr.String())
	}
}

// gone is the error of a child that exited before it would do what.
// Exiting cleanly is still too early: it was not asked to stop.
func (c *botChild) gone(what string) error {
	err := c.err
	if err == nil {
		err = errors.New("exit status 0")
	}
	return fmt.Errorf("the bot process exited before it would %s (%w); its stderr ends:\n%s", what, err, c.stderr.String())
}

// close kills the child unless it is gone already, and waits for it.
func (c *botChild) close() {
	_ = c.stdin.Close()
	select {
	case <-c.exited:
	default:
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// stderrKeep is how much of a child's stderr stderrTail keeps, and
// stderrLines how many of its last lines an error shows.
const (
	stderrKeep  = 8 << 10
	stderrLines = 20
)

// stderrTail keeps the end of what a child wrote to its stderr.
type stderrTail struct {
	mu sync.Mutex
	b  []byte
}

// Write keeps p's bytes, dropping the oldest past stderrKeep.
func (t *stderrTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > stderrKeep {
		t.b = t.b[len(t.b)-stderrKeep:]
	}
	return len(p), nil
}

// String is the last stderrLines lines, or "(nothing)".
func (t *stderrTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if strings.TrimSpace(string(t.b)) == "" {
		return "(nothing)"
	}
	return lastLines(string(t.b), stderrLines)
}
