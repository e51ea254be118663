package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mymmrac/telego"
)

// webhookBodyLimit is the largest webhook request body read. Telegram's
// updates are a few kilobytes; telego's own handler read a body whole,
// however large, once the secret matched.
const webhookBodyLimit = 1 << 20

// errBadUpdate is a webhook body that is not an update: answered 400, and
// nothing is handled.
var errBadUpdate = errors.New("telegram: webhook body is not an update")

// webhookWait caps how long a post waits for its update to be handled;
// Telegram gives up on a post after about a minute.
const webhookWait = 50 * time.Second

// takeUpdates is the webhook's update handler: it returns once the update
// is handled, so that Telegram hears 200 only when the effect is durable.
// An error (500) makes Telegram post it again. Updates wait for ready.
func (b *Bot) takeUpdates(ready <-chan struct{}) telego.WebhookHandler {
	return func(ctx context.Context, data []byte) error {
		var u telego.Update
		if err := json.Unmarshal(data, &u); err != nil || u.UpdateID <= 0 {
			return errBadUpdate
		}
		ctx, cancel := context.WithTimeout(ctx, webhookWait)
		defer cancel()
		select {
		case <-ready:
		case <-ctx.Done():
			return fmt.Errorf("telegram: update %d: not ready: %w", u.UpdateID, ctx.Err())
		}
		done := make(chan struct{})
		b.HandleAck(u, func() { close(done) })
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("telegram: update %d not handled yet: %w", u.UpdateID, ctx.Err())
		case <-b.ctx.Done():
			return fmt.Errorf("telegram: update %d: the bot is stopping", u.UpdateID)
		}
	}
}

// webhookHandler serves the webhook in place of telego's: 401 without the
// secret, 413 for a body over limit (not read whole), 400 for a body that
// is not an update, 500 when the update is not handled, 200 once it is.
// The secret is compared in constant time.
func webhookHandler(secret string, limit int64, handle telego.WebhookHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { _ = r.Body.Close() }()
		got := r.Header.Get(telego.WebhookSecretTokenHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.ContentLength > limit {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := handle(r.Context(), data); errors.Is(err, errBadUpdate) {
			w.WriteHeader(http.StatusBadRequest)
			return
		} else if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
