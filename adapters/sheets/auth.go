package sheets

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// spreadsheetsScope is the OAuth scope the client asks for: read and
// write every spreadsheet shared with the service account.
const spreadsheetsScope = "https://www.googleapis.com/auth/spreadsheets"

// defaultTokenURI is Google's token endpoint, for a key that names none.
const defaultTokenURI = "https://oauth2.googleapis.com/token"

// serviceAccount is the part of a service account's JSON key the token
// exchange uses.
type serviceAccount struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// authorized wraps base in a transport that adds the bearer token got for
// the key: a JWT signed with the key is exchanged at the key's token_uri
// (through base, bounded by timeout), and the token is reused until it
// expires. Its errors never quote the key.
func authorized(ctx context.Context, base *http.Transport, key Secret, timeout time.Duration) (http.RoundTripper, error) {
	cfg, err := jwtConfig(key)
	if err != nil {
		return nil, fmt.Errorf("sheets: the service account key was refused: %w", err)
	}
	// The token source keeps this context for every later token exchange:
	// it must outlive the caller's, and the exchange needs a timeout of
	// its own.
	tokenCtx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient,
		&http.Client{Transport: base, Timeout: timeout})
	return &oauth2.Transport{Source: markedSource{cfg.TokenSource(tokenCtx)}, Base: base}, nil
}

// errToken marks a failure to get a token: the Sheets request it was for
// never left, so even a write is not ambiguous.
type errToken struct{ err error }

func (e errToken) Error() string { return "getting an access token: " + e.err.Error() }
func (e errToken) Unwrap() error { return e.err }

// markedSource wraps a token source's errors in errToken.
type markedSource struct{ ts oauth2.TokenSource }

func (m markedSource) Token() (*oauth2.Token, error) {
	t, err := m.ts.Token()
	if err != nil {
		return nil, errToken{err}
	}
	return t, nil
}

// jwtConfig reads the key, checking it as ConfigFromEnv does and that its
// private key is one the JWT can be signed with (RSA).
func jwtConfig(key Secret) (*jwt.Config, error) {
	if err := checkServiceAccount(key); err != nil {
		return nil, err
	}
	var sa serviceAccount
	if err := json.Unmarshal(key, &sa); err != nil {
		return nil, errors.New("not a service account key (a JSON object with string fields)") // token_uri a number, say
	}
	if !isRSAKey(sa.PrivateKey) {
		return nil, errors.New(`the service account key's "private_key" is not an RSA key`)
	}
	tokenURI := sa.TokenURI
	if tokenURI == "" {
		tokenURI = defaultTokenURI
	}
	return &jwt.Config{
		Email:        sa.ClientEmail,
		PrivateKey:   []byte(sa.PrivateKey),
		PrivateKeyID: sa.PrivateKeyID,
		Scopes:       []string{spreadsheetsScope},
		TokenURL:     tokenURI,
	}, nil
}

// isRSAKey tells a PEM block holding an RSA private key, in PKCS #8 (as
// Google issues them) or PKCS #1.
func isRSAKey(s string) bool {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return false
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		_, ok := k.(*rsa.PrivateKey)
		return ok
	}
	_, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	return err == nil
}
