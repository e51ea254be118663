package ctxtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/adapters/ctxtime"
)

func TestSleep(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ctxtime.Sleep(canceled, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("an hour on a cancelled context = %v, want context.Canceled at once", err)
	}
	if err := ctxtime.Sleep(canceled, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("no wait on a cancelled context = %v, want its error", err)
	}
	if err := ctxtime.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("a millisecond = %v", err)
	}
}
