package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// The bot's token is in the path of every Bot API URL, and net/http puts
// the URL into its errors ("Post \"…/bot123:AA…/sendMessage\": context
// canceled"). Every log line the bot writes goes through redacting, so the
// token never reaches a log, whatever error text carries it.

// redacting is a slog.Handler that replaces secret in messages and in
// every attribute's text.
type redacting struct {
	inner  slog.Handler
	secret string
}

func newRedacting(inner slog.Handler, secret string) slog.Handler {
	if secret == "" {
		return inner
	}
	return redacting{inner: inner, secret: secret}
}

func (h redacting) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h redacting) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.clean(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h redacting) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return redacting{inner: h.inner.WithAttrs(clean), secret: h.secret}
}

func (h redacting) WithGroup(name string) slog.Handler {
	return redacting{inner: h.inner.WithGroup(name), secret: h.secret}
}

func (h redacting) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.clean(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, x := range g {
			clean[i] = h.attr(x)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		return slog.String(a.Key, h.clean(fmt.Sprint(v.Any())))
	}
	return a
}

func (h redacting) clean(s string) string { return strings.ReplaceAll(s, h.secret, "<bot-token>") }

// redactErr returns err with the token taken out of its text, for errors
// that leave the package (Run's).
func redactErr(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "<bot-token>"))
}
