package botapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ta "github.com/mymmrac/telego/telegoapi"
)

const token = "123456:SECRET-token"

// server answers every call with status and body, and records the last
// request's path and body.
func server(t *testing.T, status int, body string) (*Client, *string) {
	t.Helper()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.URL.Path + " " + r.Header.Get("Content-Type") + " " + string(b)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return New(srv.URL, token, srv.Client()), &got
}

func TestCall_decodesTheResult(t *testing.T) {
	c, got := server(t, 200, `{"ok":true,"result":{"message_id":42,"text":"hi","chat":{"id":1}}}`)
	var r struct {
		MessageID int `json:"message_id"`
	}
	if err := c.Call(context.Background(), "sendMessage", []byte(`{"chat_id":1}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.MessageID != 42 {
		t.Errorf("message_id %d, want 42", r.MessageID)
	}
	if want := "/bot" + token + "/sendMessage application/json {\"chat_id\":1}"; *got != want {
		t.Errorf("request %q, want %q", *got, want)
	}
	var raws Batch
	c, _ = server(t, 200, `{"ok":true,"result":[{"update_id":1},{"update_id":2,"message":{}}]}`)
	if err := c.Call(context.Background(), "getUpdates", []byte(`{}`), &raws); err != nil {
		t.Fatal(err)
	}
	if len(raws.Updates) != 2 || string(raws.Updates[1]) != `{"update_id":2,"message":{}}` {
		t.Errorf("raw updates %q", raws.Updates)
	}
}

func TestCall_errorsAreTelegosAndHoldNoToken(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		check  func(error) bool
	}{
		{"refused", 400, `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`, func(err error) bool {
			var api *ta.Error
			return errors.As(err, &api) && api.ErrorCode == 400 && strings.Contains(api.Description, "not modified")
		}},
		{"flood", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":7}}`, func(err error) bool {
			var api *ta.Error
			return errors.As(err, &api) && api.Parameters != nil && api.Parameters.RetryAfter == 7
		}},
		{"server error", 502, `<html>bad gateway</html>`, func(err error) bool {
			return strings.Contains(err.Error(), "internal server error: 502")
		}},
		{"not JSON", 200, `<html>`, func(err error) bool { return strings.Contains(err.Error(), "decode json") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, _ := server(t, c.status, c.body)
			err := cl.Call(context.Background(), "editMessageText", []byte(`{}`), nil)
			if err == nil || !c.check(err) {
				t.Errorf("error %v", err)
			}
		})
	}
	unreachable := New("http://127.0.0.1:1", token, nil)
	err := unreachable.Call(context.Background(), "getUpdates", []byte(`{}`), nil)
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("an unreachable server's error %v must say so without the token", err)
	}
	bad := New("http://bad host", token, nil)
	if err := bad.Call(context.Background(), "getUpdates", nil, nil); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a bad address's error %v must say so without the token", err)
	}
}

// A Batch given to Call again holds the new answer's updates, read into
// the buffer of the last.
func TestCall_batchReusesItsBuffer(t *testing.T) {
	answers := []string{`{"ok":true,"result":[{"update_id":1,"x":"long long long"},{"update_id":2}]}`,
		`{"ok":true,"result":[{"update_id":3}]}`, `{"result":[{"update_id":4}],"ok":true}`}
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, answers[i])
		i++
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, token, srv.Client())
	var b Batch
	want := [][]string{{`{"update_id":1,"x":"long long long"}`, `{"update_id":2}`}, {`{"update_id":3}`}, {`{"update_id":4}`}}
	for k := range answers {
		if err := c.Call(context.Background(), "getUpdates", []byte(`{}`), &b); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range b.Updates {
			got = append(got, string(u))
		}
		if strings.Join(got, " ") != strings.Join(want[k], " ") {
			t.Errorf("answer %d: updates %q, want %q", k, got, want[k])
		}
	}
}
