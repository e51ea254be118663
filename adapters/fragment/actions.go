package fragment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// TerminateSessions ends every Telegram session on number, as the
// "Terminate all sessions" button of Fragment's page does: a first
// terminatePhoneSessions returns a terminate_hash, a second one with it
// ends the sessions. A first reply without terminate_hash means there is
// nothing to end, so calling it again after it succeeded is nil.
//
// The second request is not repeated after a 5xx or a lost answer (it may
// have been done): the error then wraps ErrUnavailable, and the caller
// calls TerminateSessions again, which finds out.
func (c *Client) TerminateSessions(ctx context.Context, number string) error {
	s, digits, err := c.start(number)
	if err != nil {
		return c.finish(CallTerminateSessions, s, err)
	}
	return c.finish(CallTerminateSessions, s, c.terminate(ctx, s, digits))
}

func (c *Client) terminate(ctx context.Context, s session, digits string) error {
	const method = "terminatePhoneSessions"
	fields, err := c.api(ctx, s, method, url.Values{"number": {digits}}, true)
	if err != nil {
		return fmt.Errorf("fragment: ending sessions: %w", err)
	}
	hash, err := textField(fields, "terminate_hash")
	if err != nil || hash == "" {
		if err == nil {
			c.log.Debug("fragment: no terminate_hash: no sessions to end")
		}
		return err
	}
	form := url.Values{"number": {digits}, "terminate_hash": {hash}}
	if _, err := c.api(ctx, s, method, form, false); err != nil {
		return fmt.Errorf("fragment: ending sessions (confirming): %w", err)
	}
	return nil
}

// textField reads an optional text field: "" when absent or null.
func textField(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", badReply("wanted %s as text", name)
	}
	return v, nil
}

// SetLoginCodes turns the relay of login codes to Fragment on or off for
// number (toggleLoginCodes, can_receive 1 or 0). Setting what is already
// set is nil. The reply may be empty, {} or {"ok":true}; an error or
// {"ok":false} is an error.
func (c *Client) SetLoginCodes(ctx context.Context, number string, on bool) error {
	s, digits, err := c.start(number)
	if err != nil {
		return c.finish(CallSetLoginCodes, s, err)
	}
	return c.finish(CallSetLoginCodes, s, c.setLoginCodes(ctx, s, digits, on))
}

func (c *Client) setLoginCodes(ctx context.Context, s session, digits string, on bool) error {
	flag := "0"
	if on {
		flag = "1"
	}
	fields, err := c.api(ctx, s, "toggleLoginCodes", url.Values{"number": {digits}, "can_receive": {flag}}, true)
	if err != nil {
		return fmt.Errorf("fragment: login codes on/off: %w", err)
	}
	if raw, ok := fields["ok"]; ok && string(raw) == "false" {
		return badReply(`toggleLoginCodes: {"ok":false} without an error`)
	}
	return nil
}
