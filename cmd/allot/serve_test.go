package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"allot/persistence"
)

// TestServe_HealthAndSnapshotOnShutdown runs `allot run` in-process: it
// answers /healthz and /readyz, and a shutdown leaves a snapshot behind
// that `snapshot verify` accepts.
func TestServe_HealthAndSnapshotOnShutdown(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg, err := loadConfig(envOf(map[string]string{"DATA_DIR": dir, "HTTP_ADDR": addr, "FSYNC": "os"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	for _, path := range []string{"/healthz", "/readyz"} {
		if code := getStatus(t, "http://"+addr+path); code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, code)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*.snap"))
	if len(snaps) != 1 {
		t.Fatalf("snapshots after shutdown: %v, want one", snaps)
	}
	if _, err := persistence.VerifySnapshot(snaps[0]); err != nil {
		t.Errorf("shutdown snapshot does not verify: %v", err)
	}
	if code := runSnapshotQuiet(t, "verify", dir); code != 0 {
		t.Errorf("allot snapshot verify exit code %d, want 0", code)
	}
}

func TestSnapshot_VerifyFailsOnCorruptSnapshot(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "snapshots", "0000000000000001.snap"), []byte("not a snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := runSnapshotQuiet(t, "verify", dir); code != 1 {
		t.Errorf("exit code %d, want 1 for a corrupt snapshot", code)
	}
}

func runSnapshotQuiet(t *testing.T, sub, dir string) int {
	t.Helper()
	stdout, stderr := os.Stdout, os.Stderr
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	os.Stdout, os.Stderr = devnull, devnull
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	return runSnapshot([]string{sub, dir})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// getStatus polls url until the server answers; the server starts in the
// background, so the first tries may find nobody listening.
func getStatus(t *testing.T, url string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return resp.StatusCode
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
