// Package botapi makes the Bot API calls the bot makes most — getUpdates,
// sendMessage, editMessageText and answerCallbackQuery — straight over
// net/http, and reads each answer only as far as the bot needs it;
// telego makes every other call.
//
// Why: telego decodes every answer whole into its own types, each message
// twice over (a probe parse, then the decode). In `loadtest -mode
// telegram` that was three quarters of what the bot allocated: a poll
// decoded again every update still being handled (the offset waits for
// them, so Telegram returns them with each poll), and each edit decoded
// the edited message, which nobody reads.
package botapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	json "github.com/grbit/go-json"
	"io"
	"net/http"
	"net/url"

	ta "github.com/mymmrac/telego/telegoapi"
)

// DefaultServer is Telegram's Bot API server.
const DefaultServer = "https://api.telegram.org"

// maxAnswer bounds an answer read into memory: a getUpdates of 100 updates
// with long messages is well under it.
const maxAnswer = 64 << 20

// Client calls the Bot API of one bot. It is safe for concurrent use.
type Client struct {
	base   string // {server}/bot{token}/
	client *http.Client
}

// New returns a client for the bot whose token is token, on server
// (DefaultServer when empty), through client (http.DefaultClient when nil).
func New(server, token string, client *http.Client) *Client {
	if server == "" {
		server = DefaultServer
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Client{base: server + "/bot" + token + "/", client: client}
}

// Raw is a JSON value of an answer, undecoded. Decoding into it keeps a
// slice of the answer instead of copying it, as json.RawMessage would.
type Raw []byte

// UnmarshalJSON keeps data: an answer's buffer is not reused, so the slice
// stays valid.
func (r *Raw) UnmarshalJSON(data []byte) error {
	*r = data
	return nil
}

// Batch is a getUpdates answer cut into its updates. Given to Call again,
// it reads the next answer into the same buffer, so its Updates are valid
// only until then. Every poll brings back the updates still being
// handled, and a fresh buffer for each was a third of what the bot
// allocated in the load test.
type Batch struct {
	Updates []Raw
	buf     []byte
}

// cut sets the updates to the values of the JSON array data.
func (b *Batch) cut(data []byte) error {
	ups, err := splitArray(b.Updates[:0], data)
	b.Updates = ups
	return err
}

// envelope is every answer's frame: ok and a result, or an error.
type envelope struct {
	OK          bool                   `json:"ok"`
	Result      Raw                    `json:"result"`
	ErrorCode   int                    `json:"error_code"`
	Description string                 `json:"description"`
	Parameters  *ta.ResponseParameters `json:"parameters"`
}

// Call posts body, a JSON object, to method and decodes the answer's result
// into result (nil: not read). The errors are telego's, so that callers
// tell them apart alike: an answer with ok false wraps a *ta.Error; a 5xx
// is "internal server error: NNN". No error holds the request's URL,
// which holds the token.
func (c *Client) Call(ctx context.Context, method string, body []byte, result any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+method, bytes.NewReader(body))
	if err != nil {
		return errors.New("http create request: the Bot API server's address is not a URL")
	}
	req.Header.Set("Content-Type", ta.ContentTypeJSON)
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("http do request: %w", withoutURL(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= http.StatusInternalServerError {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // so the connection is kept
		return fmt.Errorf("internal server error: %d", resp.StatusCode)
	}
	var buf *[]byte
	if b, ok := result.(*Batch); ok {
		buf = &b.buf
	}
	data, err := read(resp, buf)
	if err != nil {
		return fmt.Errorf("read body: %w", withoutURL(err))
	}
	if quick(data, result) {
		return nil
	}
	env, err := parse(data)
	if err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	if !env.OK {
		return fmt.Errorf("api: %w", &ta.Error{ErrorCode: env.ErrorCode, Description: env.Description, Parameters: env.Parameters})
	}
	if err := decodeResult(env.Result, result); err != nil {
		return fmt.Errorf("decode the result of %s: %w", method, err)
	}
	return nil
}

// decodeResult decodes a result into v; a list of updates (a *Batch) is
// only cut into its values.
func decodeResult(data Raw, v any) error {
	switch r := v.(type) {
	case nil:
		return nil
	case *Batch:
		return r.cut(data)
	}
	if len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}

// read reads an answer's body, in one allocation when its length is known,
// or none when buf (not nil) is large enough.
func read(resp *http.Response, buf *[]byte) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= maxAnswer {
		var data []byte
		switch {
		case buf == nil:
			data = make([]byte, n)
		case int64(cap(*buf)) >= n:
			data = (*buf)[:n]
		default:
			*buf = make([]byte, n)
			data = *buf
		}
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			return nil, err
		}
		return data, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err == nil && len(data) > maxAnswer {
		err = fmt.Errorf("the answer is over %d bytes", maxAnswer)
	}
	return data, err
}

// withoutURL drops the URL from net/http's errors, as it holds the token.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
