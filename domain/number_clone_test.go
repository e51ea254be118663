package domain

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// TestNumber_CloneAndOriginalMoveApart: whatever happens to a number after
// Clone leaves the clone as it was, and the other way round, though the
// two share the lists no event writes in place.
func TestNumber_CloneAndOriginalMoveApart(t *testing.T) {
	encode := func(t *testing.T, n *Number) []byte {
		b, err := n.AppendMsgpack(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, sc := range cloneScenarios() {
		for _, moved := range []string{"original", "clone"} {
			t.Run(sc.name+"/"+moved+" moves on", func(t *testing.T) {
				n := sc.build(t)
				c := n.Clone()
				still, moves := c, n
				if moved == "clone" {
					still, moves = n, c
				}
				want := encode(t, still)
				sc.moveOn(t, moves, moved)
				if bytes.Equal(encode(t, moves), want) {
					t.Fatal("moveOn changed nothing: the test would test nothing")
				}
				if got := encode(t, still); !bytes.Equal(got, want) {
					t.Error("the copy that stood still changed")
				}
			})
		}
	}
}

// cloneScenario builds a number and moves one of its copies on.
type cloneScenario struct {
	name   string
	build  func(t *testing.T) *Number
	moveOn func(t *testing.T, n *Number, who string)
}

// cloneScenarios are the numbers the test copies, and what happens to a copy.
func cloneScenarios() []cloneScenario {
	p := DefaultPolicy()
	renewed := func(t *testing.T) *Number {
		n := rentedNumber(t, alice)
		applyN(t, n, &NumberPriceSet{Days: 30, Amount: TON(7)})
		for i := range 3 {
			must(t, n)(ev(n.Renew(OpID(fmt.Sprint("early", i)), alice, 30, TONMoney(TON(7)), p, t0.Add(day))))
		}
		return n
	}
	cancelled := func(t *testing.T) *Number {
		n := rentedNumber(t, alice)
		must(t, n)(ev(n.Cancel("c1", TONMoney(TON(1)), t0.Add(day))))
		return n
	}
	return []cloneScenario{
		// Many renewals days apart (old operations are forgotten from the
		// front), a new price, a refund owed and then settled.
		{"renewed", renewed, func(t *testing.T, n *Number, who string) {
			for i := range 12 {
				at := t0.Add(time.Duration(2+2*i) * day)
				must(t, n)(ev(n.Renew(OpID(fmt.Sprint(who, i)), alice, 30, TONMoney(TON(7)), p, at)))
			}
			applyN(t, n, &NumberPriceSet{Days: 30, Amount: TON(9)})
			must(t, n)(ev(n.Cancel(OpID(who+"-c"), TONMoney(TON(2)), t0.Add(40*day))))
			applyN(t, n, &RefundCredited{Op: OpID(who + "-c")})
		}},
		// A refund owed before the copy, settled after it.
		{"cancelled", cancelled, func(t *testing.T, n *Number, _ string) {
			applyN(t, n, &RefundCredited{Op: "c1"})
		}},
	}
}
