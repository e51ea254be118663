package ton_test

import (
	"errors"
	"os"
	"testing"

	"allot/adapters/ton"
)

func TestDecodeTransaction_Malformed(t *testing.T) {
	good := seedTransactions(t)[0]
	for _, tc := range []struct {
		name      string
		boc       []byte
		malformed bool // refused as ErrMalformed, not just as some error
		mayDecode bool // a flipped bit can still make a valid transaction
	}{
		{"empty", nil, true, false},
		{"not a bag of cells", []byte("hello, liteserver"), true, false},
		{"header cut short", []byte("\xb5\xee\x9cr100000"), true, false},
		{"a billion roots in 20 bytes", []byte("\xb5\xee\x9c\x72\x04\x01\x3b\x9a\xca\x00\x3b\x9a\xca\x00\x00\x00\x00\x00\x00\x00"), true, false},
		// Two cells that refer to each other (an index allows a reference
		// back): tonutils-go panics while hashing them.
		{"a cycle", []byte{0xb5, 0xee, 0x9c, 0x72, 0x81, 0x01, 2, 1, 0, 6, 0, 3, 6, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00}, true, false},
		{"torn", good[:len(good)-7], false, false},
		{"one bit flipped", flip(good, len(good)/2), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := ton.DecodeTransaction(tc.boc)
			if err == nil {
				if !tc.mayDecode {
					t.Fatalf("decoded %+v", tx)
				}
				ton.ToPayment(tx, "0:00", false)
				return
			}
			if tc.malformed && !errors.Is(err, ton.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x10
	return c
}

func TestBlockTransactions_Torn(t *testing.T) {
	boc, err := os.ReadFile(realBlock)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, 100, len(boc) / 2, len(boc) - 1} {
		if _, err := ton.BlockTransactions(boc[:n]); err == nil {
			t.Errorf("a block cut at %d bytes decoded", n)
		}
	}
	if _, err := ton.LoadBlockTransactions("no-such-block.boc"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
