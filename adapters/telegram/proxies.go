package telegram

import "allot/domain"

// proxyDraft is what a person is choosing while adding or picking a proxy.
type proxyDraft struct{}

// proxyCallback handles the proxy buttons; it reports whether c was one.
func (s *session) proxyCallback(msgID int, c domain.Callback) bool { return false }

// proxyMessage handles text typed during a proxy flow.
func (s *session) proxyMessage(text string) bool { return false }
