package actors

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"allot/domain"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestProtoactorLogsOnlyWarnings: the actor library's chatter at info and
// debug (every actor started or stopped) stays out of the operator's log,
// even at LOG_LEVEL=debug.
func TestProtoactorLogsOnlyWarnings(t *testing.T) {
	var buf lockedBuf
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := openTest(t, t.TempDir(), newClock(), func(o *Options) { o.Logger = log })
	seed(t, e, domain.TON(5), num1)
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	buf.mu.Lock()
	defer buf.mu.Unlock()
	for _, l := range strings.Split(buf.b.String(), "\n") {
		if strings.Contains(l, "lib=protoactor") && (strings.Contains(l, "level=INFO") || strings.Contains(l, "level=DEBUG")) {
			t.Fatalf("protoactor logged below warn: %s", l)
		}
	}
}
