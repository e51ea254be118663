package mtproto_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"testing"

	"allot/adapters/mtproto"
	"allot/adapters/mtproto/mtprototest"
)

func testKeys(t testing.TB) []*rsa.PublicKey {
	t.Helper()
	var keys []*rsa.PublicKey
	for range 2 {
		k, err := rsa.GenerateKey(rand.Reader, 1024) // small: a test of the encoding only
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, &k.PublicKey)
	}
	return keys
}

func TestEncodeKeysPEM_roundTrip(t *testing.T) {
	keys := testKeys(t)
	got, err := mtproto.ParseKeyPEM(mtproto.EncodeKeysPEM(keys))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("%d keys back, want %d", len(got), len(keys))
	}
	for i := range keys {
		if !got[i].Equal(keys[i]) {
			t.Errorf("key %d changed", i)
		}
	}
}

// A fake's keys go through a file to another process: the round trip a
// playground makes.
func TestEncodeKeysPEM_fakeServer(t *testing.T) {
	srv, err := mtprototest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b := mtproto.EncodeKeysPEM(srv.Keys())
	if !bytes.HasPrefix(b, []byte("-----BEGIN RSA PUBLIC KEY-----\n")) {
		t.Errorf("not a PKCS#1 PEM block: %.40q", b)
	}
	got, err := mtproto.ParseKeyPEM(b)
	if err != nil || len(got) != 1 || !got[0].Equal(srv.Keys()[0]) {
		t.Fatalf("ParseKeyPEM = %v, %v", got, err)
	}
}

func TestParseKeyPEM_bad(t *testing.T) {
	good := mtproto.EncodeKeysPEM(testKeys(t)[:1])
	pkix := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})
	broken := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: []byte{1, 2, 3}})
	tests := map[string][]byte{
		"empty":             nil,
		"blank":             []byte("\n \n"),
		"text":              []byte("hello"),
		"text before":       append([]byte("junk\n"), good...),
		"text after":        append(append([]byte{}, good...), "junk"...),
		"another type":      pkix,
		"not a key":         broken,
		"cut short":         good[:len(good)/2],
		"broken in between": append(append(append([]byte{}, good...), "-----BEGIN RSA PUBLIC KEY-----\n!!\n"...), good...),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if keys, err := mtproto.ParseKeyPEM(b); err == nil {
				t.Errorf("ParseKeyPEM took it: %d keys", len(keys))
			}
		})
	}
}

func FuzzParseKeyPEM(f *testing.F) {
	f.Add(mtproto.EncodeKeysPEM(testKeys(f)))
	f.Add([]byte("-----BEGIN RSA PUBLIC KEY-----\n-----END RSA PUBLIC KEY-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := mtproto.ParseKeyPEM(b)
		if err != nil {
			return
		}
		again, err := mtproto.ParseKeyPEM(mtproto.EncodeKeysPEM(keys))
		if err != nil || len(again) != len(keys) {
			t.Fatalf("keys it read do not round-trip: %v", err)
		}
	})
}
