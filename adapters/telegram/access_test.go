package telegram

import (
	"testing"
)

// The adversarial suite of access.go: every action of the callback
// vocabulary pressed by every kind of person on every kind of ownership
// (access_roles_test.go, its cases in access_cases_test.go), replayed and
// aged (access_replay_test.go), pressed as the bot draws the staff's
// buttons (access_staff_test.go) and fuzzed (access_fuzz_test.go). Data is
// pressed on a message the bot itself sent (a carrier), so the fake
// records the answer to the callback query exactly as Telegram would
// deliver a forged button; the rig that does it, and sees what changed, is
// access_rig_test.go, its fixtures access_fixtures_test.go.

func TestCallbackRules_CoverTheVocabulary(t *testing.T) {
	for _, a := range callbackActions() {
		rule, ok := actions[a]
		if !ok {
			t.Errorf("%s: no rule", a)
			continue
		}
		arity, _ := callbackArity(a)
		if rule.nonce >= arity || rule.nonce < -1 {
			t.Errorf("%s: nonce at %d, but the action takes %d arguments", a, rule.nonce, arity)
		}
		// A change that no entity owns must be keyed by a nonce, or a replay
		// acts again. pxs is the exception: the proxy reserves atomically, and
		// holding it again only renews the holder's own hold.
		if rule.changes && rule.owns == ownsNothing && rule.nonce < 0 && a != "pxs" {
			t.Errorf("%s changes state, owns nothing and carries no nonce", a)
		}
		if !rule.changes && rule.nonce >= 0 {
			t.Errorf("%s changes nothing but carries a nonce", a)
		}
	}
	for a := range actions {
		if _, ok := callbackArity(a); !ok {
			t.Errorf("rule for %q, which is no action", a)
		}
	}
}
