package domain

import (
	"bytes"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// arbitraryUsers is a directory of n people with every field in use by
// some and left empty by others, as omitempty treats them.
func arbitraryUsers(n int) Users {
	at := time.Unix(1_700_000_000, 5e6).UTC()
	d := Users{ByID: map[UserID]*User{}, Seq: uint64(n) * 3}
	for i := range n {
		u := &User{ID: UserID(1000 + i*16), Joined: at.Add(time.Duration(i) * time.Minute)}
		if i%2 == 0 {
			u.Username, u.Name, u.Lang = "person_"+strconv.Itoa(i), "Person "+strconv.Itoa(i), "en"
		}
		if i%3 == 0 {
			u.Premium, u.Seen = true, at.Add(time.Hour)
		}
		if i%5 == 0 {
			u.Nickname, u.Approval, u.Requests = "nick"+strconv.Itoa(i), Approval(i%4), i%3
		}
		d.ByID[u.ID] = u
	}
	return d
}

// TestUsers_CodecKeepsTheReflectiveFormat: the hand-written codec writes,
// for one person, the bytes reflection wrote (as snapshot blocks encode,
// with compact integers), and each side reads what the other wrote.
func TestUsers_CodecKeepsTheReflectiveFormat(t *testing.T) {
	for i := range 16 {
		one := arbitraryUsers(i + 1)
		for id := range one.ByID {
			if id != UserID(1000+i*16) {
				delete(one.ByID, id)
			}
		}
		got, err := one.AppendMsgpack(nil)
		if err != nil {
			t.Fatal(err)
		}
		want := legacyBytes(t, true, func(e *msgpack.Encoder) error { return e.Encode((*plainUsers)(&one)) })
		if !bytes.Equal(got, want) {
			t.Fatalf("person %d: differs from reflection at byte %d\n got %x\nwant %x", i, firstDiff(got, want), got, want)
		}
	}
	for _, n := range []int{0, 1, 30, 1000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			want := arbitraryUsers(n)
			b, err := msgpack.Marshal(&want)
			if err != nil {
				t.Fatal(err)
			}
			var plain plainUsers
			if err := unmarshalReflect(b, &plain); err != nil {
				t.Fatalf("reflection cannot read the hand-written directory: %v", err)
			}
			if got := Users(plain); !reflect.DeepEqual(got, want) {
				t.Fatalf("hand-written → reflection\n got %+v\nwant %+v", got, want)
			}
			pb, err := msgpack.Marshal(plainUsers(want))
			if err != nil {
				t.Fatal(err)
			}
			back := NewUsers()
			if err := msgpack.Unmarshal(pb, back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*back, want) {
				t.Fatalf("reflection → hand-written\n got %+v\nwant %+v", *back, want)
			}
		})
	}
}

// TestUsers_DecodeSkipsUnknownKeysAndReadsNils: a nil directory reads as
// an empty one the bot can add people to, and keys this build does not
// know are skipped.
func TestUsers_DecodeSkipsUnknownKeysAndReadsNils(t *testing.T) {
	b, err := msgpack.Marshal(map[string]any{"u": nil, "zz": []int{1, 2}, "sq": 9})
	if err != nil {
		t.Fatal(err)
	}
	d := NewUsers()
	if err := msgpack.Unmarshal(b, d); err != nil {
		t.Fatal(err)
	}
	if d.Seq != 9 || d.ByID == nil || len(d.ByID) != 0 {
		t.Fatalf("got %+v, want seq 9 and an empty directory", d)
	}
	d.Apply(&UserSeen{ID: 5, Username: "eve", At: time.Unix(1, 0).UTC()}, 10)
	if u, err := d.Find("@eve"); err != nil || u.ID != 5 {
		t.Fatalf("find after decode: %+v, %v", u, err)
	}
}

// TestUsers_DecodeRefusesGarbage: a truncated or lying directory is an
// error, never a panic or a huge allocation.
func TestUsers_DecodeRefusesGarbage(t *testing.T) {
	d := arbitraryUsers(20)
	good, err := d.AppendMsgpack(nil)
	if err != nil {
		t.Fatal(err)
	}
	for cut := 0; cut < len(good); cut += 7 {
		var back Users
		if _, err := back.ReadMsgpack(good[:cut]); err == nil {
			t.Fatalf("%d of %d bytes read without an error", cut, len(good))
		}
	}
	lying := []byte{0x82, 0xa1, 'u', 0xdf, 0x7f, 0xff, 0xff, 0xff} // a map of 2^31 people in 8 bytes
	var back Users
	if _, err := back.ReadMsgpack(lying); err == nil {
		t.Fatal("a map of 2^31 people in a few bytes was read")
	}
}
