package persistence

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	crashDirEnv  = "ALLOT_PERSISTENCE_CRASH_DIR"
	crashModeEnv = "ALLOT_PERSISTENCE_CRASH_FSYNC"
	crashSegment = 16 << 10 // small, so that the child rolls over often
)

// TestCrashChild is the process TestJournal_Crash kills: it appends from
// several goroutines and prints "seq hex(payload)" for every record as
// soon as its done callback reports it durable, until SIGKILL.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestJournal_Crash")
	}
	mode, err := ParseFsyncMode(os.Getenv(crashModeEnv))
	if err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(JournalOptions{Dir: dir, Fsync: mode, SegmentSize: crashSegment})
	if err != nil {
		t.Fatal(err)
	}
	acks := make(chan string, 1<<12)
	for g := range 16 {
		go crashAppender(j, g, acks)
	}
	out := bufio.NewWriter(os.Stdout)
	for line := range acks {
		_, _ = out.WriteString(line)
		if len(acks) == 0 {
			_ = out.Flush() // the parent must see an ack as soon as it exists
		}
	}
}

// crashAppender appends records of random size, one in flight at a time.
func crashAppender(j *Journal, g int, acks chan<- string) {
	wait := make(chan struct{}, 1)
	for i := 0; ; i++ {
		p := []byte(fmt.Sprintf("pid %d g %d i %d %s", os.Getpid(), g, i, strings.Repeat("x", rand.IntN(300))))
		j.Append(p, func(seq uint64, err error) {
			if err == nil {
				acks <- fmt.Sprintf("%d %x\n", seq, p)
			}
			wait <- struct{}{}
		})
		<-wait
	}
}

// TestJournal_Crash kills a child process that is appending, with SIGKILL
// at a random moment, and checks that every record the child saw
// acknowledged is in the journal with its exact payload. The same directory
// goes through several cycles, so each child continues the journal the
// previous one left, torn tail included.
func TestJournal_Crash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	acked := map[uint64]string{}
	for cycle := range 6 {
		mode := modes[cycle%len(modes)]
		n := runCrashChild(t, dir, mode, acked)
		j := openJournal(t, JournalOptions{Dir: dir, SegmentSize: crashSegment})
		got := map[uint64]string{}
		for _, r := range replayAll(t, j, 0) {
			got[r.seq] = r.payload
		}
		for seq, p := range acked {
			if got[seq] != p {
				t.Fatalf("cycle %d (%s): acknowledged seq %d lost or changed: have %q", cycle, mode, seq, got[seq])
			}
		}
		t.Logf("cycle %d (%s): %d acks, journal holds %d records", cycle, mode, n, len(got))
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// runCrashChild starts the child, lets it run until it has acknowledged a
// few records plus a random while, kills it and returns how many acks it
// printed (each is added to acked).
func runCrashChild(t *testing.T, dir string, mode FsyncMode, acked map[uint64]string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashModeEnv+"="+mode.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1<<12)
	go readLines(stdout, lines)
	n := 0
	deadline := time.After(30 * time.Second) // a child that never acks is a failure, not a hang
	for n < 20 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child exited early: %v\n%s", cmd.Wait(), stderr.String())
			}
			n += addAck(t, l, acked)
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("child acknowledged nothing in 30 s\n%s", stderr.String())
		}
	}
	time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	for l := range lines { // everything printed before the kill
		n += addAck(t, l, acked)
	}
	_ = cmd.Wait()
	return n
}

// readLines passes on complete lines only: a line cut by the kill was
// never fully printed, so its record does not count as acknowledged.
func readLines(r io.Reader, out chan<- string) {
	defer close(out)
	br := bufio.NewReader(r)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return
		}
		out <- l
	}
}

func addAck(t *testing.T, line string, acked map[uint64]string) int {
	t.Helper()
	seqStr, hexStr, ok := strings.Cut(strings.TrimSpace(line), " ")
	seq, err1 := strconv.ParseUint(seqStr, 10, 64)
	p, err2 := hex.DecodeString(hexStr)
	if !ok || err1 != nil || err2 != nil {
		return 0 // not an ack line (test framework output)
	}
	if old, dup := acked[seq]; dup && old != string(p) {
		t.Fatalf("seq %d acknowledged twice: %q and %q", seq, old, p)
	}
	acked[seq] = string(p)
	return 1
}
