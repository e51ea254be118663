package mtproto

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// pemType is the PEM block of a PKCS#1 RSA public key, the form Telegram
// publishes its server keys in.
const pemType = "RSA PUBLIC KEY"

// EncodeKeysPEM writes keys as PKCS#1 "RSA PUBLIC KEY" PEM blocks, so a
// fake Telegram in one process can hand its keys to a checker in another
// through a file. ParseKeyPEM reads them back. Empty keys are skipped.
func EncodeKeysPEM(keys []*rsa.PublicKey) []byte {
	var b bytes.Buffer
	for _, k := range keys {
		if k == nil || k.N == nil {
			continue
		}
		_ = pem.Encode(&b, &pem.Block{Type: pemType, Bytes: x509.MarshalPKCS1PublicKey(k)})
	}
	return b.Bytes()
}

// ParseKeyPEM reads the RSA public keys of a server from PKCS#1 PEM
// blocks (Options.ServerKeys). Anything else in b (another block type,
// text between or after the blocks, no block at all) is an error.
func ParseKeyPEM(b []byte) ([]*rsa.PublicKey, error) {
	begins := bytes.Count(b, []byte("-----BEGIN"))
	var keys []*rsa.PublicKey
	for b = bytes.TrimSpace(b); len(b) > 0; b = bytes.TrimSpace(b) {
		block, rest := pem.Decode(b)
		if block == nil || !bytes.HasPrefix(b, []byte("-----BEGIN")) {
			return nil, errors.New("mtproto: keys: text that is not a PEM block")
		}
		k, err := parseKeyBlock(block, len(keys)+1)
		if err != nil {
			return nil, err
		}
		keys, b = append(keys, k), rest
	}
	switch {
	case len(keys) == 0:
		return nil, errors.New("mtproto: keys: no " + pemType + " block")
	case begins != len(keys): // encoding/pem skips a broken block silently
		return nil, errors.New("mtproto: keys: a broken PEM block")
	}
	return keys, nil
}

func parseKeyBlock(block *pem.Block, n int) (*rsa.PublicKey, error) {
	if block.Type != pemType {
		return nil, fmt.Errorf("mtproto: keys: block %d is %q, want %q", n, clipType(block.Type), pemType)
	}
	k, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("mtproto: keys: block %d: %w", n, err)
	}
	return k, nil
}

func clipType(t string) string {
	if len(t) > 40 {
		return t[:40] + "…"
	}
	return t
}
