package domain

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// gen builds states and events for the codec tests with the values where
// an encoding changes form: strings at every length boundary of msgpack,
// integers at every width boundary and sign, times in each of the three
// sizes EncodeTime writes (and the zero time), every optional field on
// and off.
type gen struct{ r *rand.Rand }

func newGen(seed1, seed2 uint64) gen { return gen{rand.New(rand.NewPCG(seed1, seed2))} }

var genStrings = func() []string {
	out := []string{"", "a", "+88801234567", "tx:EQabc:123:h", "ü-ß-€"}
	for _, n := range []int{31, 32, 255, 256, 65535, 65536} {
		out = append(out, strings.Repeat("x", n))
	}
	return out
}()

var genInts = []int64{0, 1, -1, 31, 127, 128, -32, -33, 255, 256, -128, -129, 65535, 65536,
	-32768, -32769, math.MaxUint32, math.MaxUint32 + 1, math.MinInt32, math.MinInt32 - 1,
	math.MaxInt64, math.MinInt64, 1_000_000_000_000}

var genTimes = []time.Time{
	{}, time.Unix(0, 0), time.Unix(-1, 0), time.Unix(-1, 999_999_999), // zero, before 1970
	time.Unix(1<<32-1, 0), time.Unix(1<<32, 0), // the last 4-byte second; after 2106
	time.Unix(1<<34-1, 999_999_999), time.Unix(1<<34, 0), // the last 8-byte one; after 2514
	time.Unix(1_700_000_000, 0), time.Unix(1_700_000_000, 1), time.Unix(1_700_000_000, 123_456_789),
	time.Date(9999, time.December, 31, 23, 59, 59, 999_999_999, time.UTC),
	time.Date(1, time.January, 1, 0, 0, 0, 1, time.UTC),
}

// str is a string of a boundary length now and then, else a short one.
func (g gen) str() string {
	if g.r.IntN(6) == 0 {
		return genStrings[g.r.IntN(len(genStrings))]
	}
	return genStrings[g.r.IntN(5)]
}

// opt is a string that is empty half the time.
func (g gen) opt() string {
	if g.on() {
		return ""
	}
	return g.str()
}

func (g gen) on() bool { return g.r.IntN(2) == 0 }

func (g gen) int() int64 {
	if g.on() {
		return genInts[g.r.IntN(len(genInts))]
	}
	return g.r.Int64N(1e12) - 5e11
}

// some is an int that is zero half the time.
func (g gen) some() int64 {
	if g.on() {
		return 0
	}
	return g.int()
}

func (g gen) uint() uint64 {
	if g.r.IntN(8) == 0 {
		return math.MaxUint64
	}
	return uint64(g.int())
}

func (g gen) small() uint8 { return uint8(g.r.IntN(256)) }

func (g gen) time() time.Time {
	if g.on() {
		return genTimes[g.r.IntN(len(genTimes))].UTC()
	}
	return time.Unix(1_600_000_000+g.r.Int64N(1e9), g.r.Int64N(2)*g.r.Int64N(1e9)).UTC()
}

// someTime is a time that is zero half the time.
func (g gen) someTime() time.Time {
	if g.on() {
		return time.Time{}
	}
	return g.time()
}

func (g gen) currency() Currency { return Currency(g.r.IntN(2)) }

// list calls fn n times, n from 0 to max, and nothing when it is 0.
func (g gen) list(max int, fn func()) {
	for range g.r.IntN(max + 1) {
		fn()
	}
}

func (g gen) number() Number {
	n := Number{ID: g.str(), Added: g.time(), Blocked: g.on(), Removed: g.on(), Reason: g.opt(),
		Sold: Nano(g.some()), SoldUSDT: Nano(g.some()), Codes: CodesState(g.small() % 3), Seq: g.uint()}
	g.list(3, func() {
		n.Prices = append(n.Prices, Price{Days: int(g.int()), Amount: Nano(g.int()), Currency: g.currency()})
	})
	if g.on() {
		n.Hold = &Hold{Op: OpID(g.str()), User: UserID(g.int()), Days: int(g.int()), Price: Nano(g.int()),
			Currency: g.currency(), Until: g.time()}
	}
	if g.on() {
		n.Rental = &Rental{Renter: UserID(g.int()), Since: g.time(), Until: g.time(), Paid: Nano(g.int()),
			PaidUSDT: Nano(g.some()), Expired: g.on(), Reminded: int(g.some()), Days: int(g.some()),
			Granted: time.Duration(g.some())}
	}
	if g.on() {
		n.Offer = &Offer{Op: OpID(g.str()), From: UserID(g.int()), To: UserID(g.int()), Expires: g.time()}
	}
	g.list(3, func() {
		n.History = append(n.History, Holding{User: UserID(g.int()), From: g.time(), To: g.someTime(), How: g.str(),
			Until: g.someTime()})
	})
	g.list(20, func() { n.Ops = append(n.Ops, OpID(g.str())) })
	g.list(20, func() { n.OpsAt = append(n.OpsAt, g.time()) })
	if g.on() {
		n.Handover = &Handover{Reason: g.str(), From: UserID(g.int()), Since: g.time(), Alerted: g.on()}
	}
	g.list(3, func() {
		n.Refunds = append(n.Refunds, OwedRefund{Op: OpID(g.str()), User: UserID(g.int()), Amount: Nano(g.int()),
			Currency: g.currency()})
	})
	if g.on() {
		n.Account = &AccountCheck{From: UserID(g.int()), Since: g.time(), Manual: g.on(), DeleteAt: g.someTime(),
			Blocked: g.on(), Alerted: g.on()}
	}
	g.list(3, func() {
		n.Notices = append(n.Notices, OwedNotice{Seq: g.uint(), About: NoticeKind(g.small()), User: UserID(g.int()),
			Until: g.someTime(), Step: int(g.some()), Op: OpID(g.opt()), At: g.someTime()})
	})
	return n
}

func (g gen) wallet() Wallet {
	w := Wallet{User: UserID(g.int()), Balance: Nano(g.int()), USDT: g.some(), Seq: g.uint()}
	g.list(20, func() {
		w.Entries = append(w.Entries, Entry{Op: OpID(g.str()), Kind: EntryKind(g.small()), Amount: Nano(g.int()),
			Currency: g.currency(), Debit: g.on(), Status: EntryStatus(g.small()), Created: g.time(),
			Updated: g.someTime(), Ref: g.opt(), Days: int(g.some()), Note: g.opt()})
	})
	return w
}

func (g gen) credited() WalletCredited {
	return WalletCredited{Op: OpID(g.str()), Kind: EntryKind(g.small()), Amount: Nano(g.int()), Currency: g.currency(),
		Ref: g.opt(), Note: g.opt(), At: g.time()}
}

func (g gen) received() PaymentReceived {
	return PaymentReceived{Tx: g.str(), Amount: Nano(g.int()), Currency: g.currency(), From: g.opt(), At: g.time(),
		Outcome: Outcome(g.small()), Code: g.opt(), User: UserID(g.some()), Op: OpID(g.opt()), Reason: g.opt()}
}
