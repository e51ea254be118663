package httpapi

import (
	"os"
	"path/filepath"
	"testing"

	"allot/actors"
)

// TestHandler_metricsRecoveryLosses: a start that fell back from a damaged
// snapshot says so in allot_recovery_losses; a clean one shows zeros.
func TestHandler_metricsRecoveryLosses(t *testing.T) {
	dir := t.TempDir()
	inDir := func(o *actors.Options) { o.Dir = dir }
	e := openEngine(t, inDir)
	topUp(t, e, 30)
	_, err := e.Snapshot(ctxT(t))
	must(t, err)
	_, _, body := get(t, serve(t, e, Options{Addr: "127.0.0.1:8080"}), "/metrics")
	for _, series := range []string{`allot_recovery_losses{acknowledged="true"}`, `allot_recovery_losses{acknowledged="false"}`} {
		if got := metricValue(t, body, series); got != 0 {
			t.Errorf("clean start: %s = %v, want 0", series, got)
		}
	}
	must(t, e.Close(ctxT(t)))
	snaps, err := filepath.Glob(filepath.Join(dir, "snapshots", "*.snap"))
	if err != nil || len(snaps) == 0 {
		t.Fatalf("snapshots %v, %v", snaps, err)
	}
	b, err := os.ReadFile(snaps[len(snaps)-1])
	must(t, err)
	b[len(b)-1] ^= 0xff
	must(t, os.WriteFile(snaps[len(snaps)-1], b, 0o640))

	e = openEngine(t, inDir)
	_, _, body = get(t, serve(t, e, Options{Addr: "127.0.0.1:8080"}), "/metrics")
	if got := metricValue(t, body, `allot_recovery_losses{acknowledged="false"}`); got != 1 {
		t.Errorf(`allot_recovery_losses{acknowledged="false"} = %v, want 1 (the snapshot fallen back from)`, got)
	}
	if got := metricValue(t, body, `allot_recovery_losses{acknowledged="true"}`); got != 0 {
		t.Errorf(`allot_recovery_losses{acknowledged="true"} = %v, want 0`, got)
	}
}
