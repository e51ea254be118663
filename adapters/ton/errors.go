package ton

import (
	"errors"
	"fmt"
)

// Sentinel errors of the package. Callers branch on them with errors.Is; the
// wrapped chain underneath says what exactly happened.
var (
	ErrBadConfig   = errors.New("ton: bad config")
	ErrDisabled    = errors.New("ton: TON payments are not configured")
	ErrBrokenChain = errors.New("ton: transactions do not link up")
	ErrBadLink     = errors.New("ton: bad pay link")
	ErrMalformed   = errors.New("ton: malformed chain data")
)

// ConfigError is a bad setting, named so the operator knows which one to fix
// before anything starts.
type ConfigError struct {
	Var string // the environment variable, e.g. "TON_WALLET"
	Err error
}

// Error says which variable is wrong and why.
func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %v", e.Var, e.Err) }

// Unwrap gives the cause, so errors.Is sees through to it.
func (e *ConfigError) Unwrap() error { return e.Err }

// Is makes every ConfigError match ErrBadConfig, so callers need not know
// the variable to recognise bad configuration.
func (e *ConfigError) Is(target error) bool { return target == ErrBadConfig }

func configErr(name string, format string, args ...any) error {
	return &ConfigError{Var: name, Err: fmt.Errorf(format, args...)}
}
