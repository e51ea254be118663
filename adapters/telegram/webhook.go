package telegram

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"github.com/mymmrac/telego"
)

// webhookBodyLimit is the largest webhook request body read. Telegram's
// updates are a few kilobytes; telego's own handler reads a body whole,
// however large, once the secret matches.
const webhookBodyLimit = 1 << 20

// serveWebhook registers the webhook on mux under pattern, in place of
// telego.WebhookHTTPServeMux: the same answers (401 without the secret, 500
// when the update is refused, 200 when taken), but a body over
// webhookBodyLimit is refused with 413 without being read whole, and the
// secret is compared in constant time.
func serveWebhook(mux *http.ServeMux, pattern, secret string) func(telego.WebhookHandler) error {
	return func(handle telego.WebhookHandler) error {
		mux.Handle(pattern, webhookHandler(secret, webhookBodyLimit, handle))
		return nil
	}
}

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
		if err := handle(r.Context(), data); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
