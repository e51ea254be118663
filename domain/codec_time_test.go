package domain

import (
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// inZone runs fn with the process's local zone set to one far from UTC, so
// that a time decoded in the local zone shows, whatever TZ the test runs
// under. Not parallel: time.Local is the process's.
func inZone(t *testing.T, fn func()) {
	t.Helper()
	zone := time.FixedZone("UTC+9", 9*3600)
	old := time.Local
	time.Local = zone
	defer func() { time.Local = old }()
	fn()
}

// Every state msgpack decodes by reflection reads its times in UTC, in
// structs, slices, maps by value and by pointer, as the journal and
// snapshots always read them.
func TestState_DecodeMsgpackTimesInUTC(t *testing.T) {
	at := time.Date(2026, time.January, 2, 3, 4, 5, 6, time.UTC)
	states := map[string][2]State{
		"pool": {&Pool{Key: "k", Pending: map[string]*IssuedItem{"1": {At: at}},
			Flushing: map[string]FlushAttempt{"f": {At: at}}, OpsAt: []time.Time{at}}, NewPool("")},
		"proxy":    {&Proxy{Added: at, Expires: at, History: []Holding{{From: at}}}, &Proxy{}},
		"payments": {&Payments{Invoices: map[string]*Invoice{"c": {Expires: at}}}, NewPayments()},
		"watcher":  {&Watcher{Wallet: "w", Routed: map[string]string{}, Moved: at}, NewWatcher("")},
	}
	for name, pair := range states {
		t.Run(name, func(t *testing.T) {
			b, err := msgpack.Marshal(pair[0])
			if err != nil {
				t.Fatal(err)
			}
			inZone(t, func() { err = msgpack.Unmarshal(b, pair[1]) })
			if err != nil || !reflect.DeepEqual(pair[1], pair[0]) {
				t.Errorf("decoded %+v, %v\nwant %+v", pair[1], err, pair[0])
			}
		})
	}
}

// Importing domain changes nothing for other users of msgpack in the
// process: a bare time still decodes as the library decodes it.
func TestDecodeUTC_NoProcessWideEffect(t *testing.T) {
	at := time.Date(2026, time.January, 2, 3, 4, 5, 6, time.UTC)
	b, err := msgpack.Marshal(struct{ At time.Time }{at})
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ At time.Time }
	inZone(t, func() { err = msgpack.Unmarshal(b, &got) })
	if err != nil || !got.At.Equal(at) || got.At.Location() == time.UTC {
		t.Errorf("a plain msgpack decode gave %v in %v (%v): the library's time decoder was replaced", got.At, got.At.Location(), err)
	}
}

// The UTC pass reaches times behind interfaces and in maps by value, and
// ends on a type that contains itself.
func TestInUTC_Shapes(t *testing.T) {
	type node struct {
		At   time.Time
		Next *node
		Any  any
		ByK  map[string]time.Time
	}
	local := time.Date(2026, time.January, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	v := &node{At: local, Next: &node{At: local}, Any: local, ByK: map[string]time.Time{"a": local}}
	inUTC(v)
	for _, got := range []time.Time{v.At, v.Next.At, v.Any.(time.Time), v.ByK["a"]} {
		if got.Location() != time.UTC || !got.Equal(local) {
			t.Errorf("got %v in %v, want %v in UTC", got, got.Location(), local)
		}
	}
}
