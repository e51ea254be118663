package mtproto

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/domain"
)

func TestSeenCodes_fresh(t *testing.T) {
	t1 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	code := func(c string, at time.Time) domain.LoginCode { return domain.LoginCode{Code: c, At: at} }
	tests := []struct {
		name   string
		before []domain.LoginCode
		now    []domain.LoginCode // newest first
		want   string             // "": none
	}{
		{"nothing yet", nil, nil, ""},
		{"first code", nil, []domain.LoginCode{code("11111", t1)}, "11111"},
		{"only old codes", []domain.LoginCode{code("11111", t1)}, []domain.LoginCode{code("11111", t1)}, ""},
		{"new over old", []domain.LoginCode{code("11111", t1)},
			[]domain.LoginCode{code("22222", t1.Add(time.Minute)), code("11111", t1)}, "22222"},
		{"same digits again", []domain.LoginCode{code("11111", t1)},
			[]domain.LoginCode{code("11111", t1.Add(time.Minute)), code("11111", t1)}, "11111"},
		{"same second as the old one", []domain.LoginCode{code("11111", t1)},
			[]domain.LoginCode{code("22222", t1), code("11111", t1)}, "22222"},
		{"dated before the newest old one", []domain.LoginCode{code("11111", t1)},
			[]domain.LoginCode{code("11111", t1), code("33333", t1.Add(-time.Hour))}, ""},
		{"undated", []domain.LoginCode{code("11111", time.Time{})},
			[]domain.LoginCode{code("22222", time.Time{}), code("11111", time.Time{})}, "22222"},
		{"old one dropped off the list", []domain.LoginCode{code("11111", t1), code("00000", t1.Add(-time.Hour))},
			[]domain.LoginCode{code("22222", t1.Add(time.Minute)), code("11111", t1)}, "22222"},
		{"empty code skipped", nil, []domain.LoginCode{code("", t1), code("44444", t1)}, "44444"},
		{"newest new one wins", nil, []domain.LoginCode{code("55555", t1.Add(time.Minute)), code("44444", t1)}, "55555"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := noteCodes(tt.before).fresh(tt.now)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("fresh = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

var errLook = errors.New("fragment: down")

func TestAttempt_awaitCode(t *testing.T) {
	failLooks := func(from, to int) func(int) error {
		return func(n int) error {
			if n >= from && n <= to {
				return errLook
			}
			return nil
		}
	}
	tests := []struct {
		name    string
		codes   *staticCodes
		want    string
		wantErr []error
	}{
		{"shows at once", &staticCodes{after: []domain.LoginCode{{Code: "12345"}}}, "12345", nil},
		{"looks fail, then it shows", &staticCodes{after: []domain.LoginCode{{Code: "12345"}}, err: failLooks(1, 4)}, "12345", nil},
		{"never shows", &staticCodes{}, "", []error{ErrNoCode}},
		{"looks keep failing", &staticCodes{err: failLooks(3, 1<<30)}, "", []error{ErrNoCode, errLook}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChecker(t, tt.codes)
			c.codeWait = 100 * time.Millisecond
			a := &attempt{c: c, outer: context.Background(), number: testNumber, seen: noteCodes(nil)}
			got, err := a.awaitCode(context.Background())
			if got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to wrap %v", err, w)
				}
			}
			if tt.wantErr == nil && err != nil {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestAttempt_awaitCode_ends(t *testing.T) {
	t.Run("caller gives up", func(t *testing.T) {
		outer, cancel := context.WithCancel(context.Background())
		cancel()
		a := &attempt{c: newTestChecker(t, &staticCodes{}), outer: outer, number: testNumber}
		_, err := a.awaitCode(outer)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrNoCode) {
			t.Errorf("err = %v, want context.Canceled only", err)
		}
	})
	t.Run("connection ends", func(t *testing.T) {
		inner, cancel := context.WithCancel(context.Background())
		cancel()
		a := &attempt{c: newTestChecker(t, &staticCodes{}), outer: context.Background(), number: testNumber}
		_, err := a.awaitCode(inner)
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want ErrUnavailable only", err)
		}
	})
}
