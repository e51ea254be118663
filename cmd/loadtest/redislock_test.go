package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAppendCommand(t *testing.T) {
	got := string(appendCommand(nil, "SET", "lock:number:+88800000001", "", "NX", "PX", "5000"))
	want := "*6\r\n$3\r\nSET\r\n$24\r\nlock:number:+88800000001\r\n$0\r\n\r\n$2\r\nNX\r\n$2\r\nPX\r\n$4\r\n5000\r\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     respReply
		wErr     error
	}{
		{"simple", "+OK\r\n", respReply{kind: '+', str: "OK"}, nil},
		{"integer", ":-42\r\n", respReply{kind: ':', n: -42}, nil},
		{"bulk", "$5\r\na\r\nb!\r\n", respReply{kind: '$', str: "a\r\nb!"}, nil},
		{"empty bulk", "$0\r\n\r\n", respReply{kind: '$'}, nil},
		{"nil bulk", "$-1\r\n", respReply{kind: '$', nil: true}, nil},
		{"nil array", "*-1\r\n", respReply{kind: '*', nil: true}, nil},
		{"array", "*3\r\n$1\r\na\r\n:7\r\n-ERR inner\r\n", respReply{kind: '*', arr: []respReply{
			{kind: '$', str: "a"}, {kind: ':', n: 7}, {kind: '-', str: "ERR inner"}}}, nil},
		{"error", "-WRONGTYPE no\r\n", respReply{kind: '-', str: "WRONGTYPE no"}, redisError("WRONGTYPE no")},
		{"unknown type", "?x\r\n", respReply{}, errRESPProtocol},
		{"bad integer", ":x\r\n", respReply{}, errRESPProtocol},
		{"bulk without CRLF", "$2\r\nabcd", respReply{}, errRESPProtocol},
		{"line without CR", "+OK\n", respReply{}, errRESPProtocol},
		{"negative length", "$-2\r\n", respReply{}, errRESPProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readReply(bufio.NewReader(strings.NewReader(tc.in)))
			if !errors.Is(err, tc.wErr) {
				t.Fatalf("error %v, want %v", err, tc.wErr)
			}
			if tc.wErr == nil && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReadReply_Truncated(t *testing.T) {
	for _, in := range []string{"", "+OK", "$3\r\nab", "*2\r\n:1\r\n"} {
		if _, err := readReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "$3\r\nabc\r\n", "*2\r\n:1\r\n$-1\r\n", "-ERR x\r\n", "*1\r\n*1\r\n+a\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		readReply(bufio.NewReader(strings.NewReader(in))) // must not panic or hang
	})
}

// TestRespConn_DoAndPipeline talks to a scripted server over a pipe: the
// requests arrive as encoded, the replies come back in order.
func TestRespConn_DoAndPipeline(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		r := bufio.NewReader(server)
		for _, reply := range []string{"$-1\r\n", "+OK\r\n", ":3\r\n"} {
			if _, err := readReply(r); err != nil { // a request is an array of bulk strings
				return
			}
			server.Write([]byte(reply))
		}
	}()
	rc := &respConn{c: client, r: bufio.NewReader(client)}
	rep, err := rc.do("GET", "rental:+88800000001")
	if err != nil || !rep.nil {
		t.Fatalf("GET: %+v, %v", rep, err)
	}
	reps, err := rc.pipeline([][]string{{"SET", "k", "v"}, {"RPUSH", "h", "x"}})
	if err != nil || reps[0].str != "OK" || reps[1].n != 3 {
		t.Fatalf("pipeline: %+v, %v", reps, err)
	}
}

// TestRunRedisLock_Skipped runs where redis-server cannot be found: the
// mode must report a skipped run that main counts as a success.
func TestRunRedisLock_Skipped(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	res, err := runRedisLock(flags{users: 2, numbers: 10, duration: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res["skipped"] != true || res["invariants_ok"] != true || res["mode"] != "redislock" {
		t.Fatalf("got %v", res)
	}
}

// TestRunRedisLock drives the real baseline for a second when this machine
// has redis-server (Debian: apt-get install redis-server). .ci/run installs
// it, so under CI=true its absence is a failure, not a skip.
func TestRunRedisLock(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not in PATH; .ci/run installs Debian's redis-server")
		}
		t.Skip("redis-server is not in PATH")
	}
	res, err := runRedisLock(flags{users: 20, numbers: 500, duration: time.Second, seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res["invariants_ok"] != true || res["errors"] != int64(0) || res["ops"].(int64) == 0 {
		t.Fatalf("got %v", res)
	}
	if res["rent_ok"].(int64) == 0 || res["renew_ok"].(int64) == 0 {
		t.Fatalf("the run should both rent and renew: %v", res)
	}
}

func TestTable_RedisLockRow(t *testing.T) {
	in := `{"mode":"redislock","users":1000,"persistence":"none","ops_per_sec":11000.5,"p50_ms":80,"p99_ms":200,"errors":0,"invariants_ok":true,"lock_busy":3}` + "\n" +
		`{"mode":"redislock","skipped":true,"users":1000,"invariants_ok":true}` + "\n"
	got, err := tableRows(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "| mode | figures |\n|---|---|\n" +
		"| redislock | users 1000, persistence none, ops_per_sec 11000.5, p50_ms 80, p99_ms 200, errors 0, invariants_ok true |\n" +
		"| redislock | users 1000, invariants_ok true, skipped true |\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
