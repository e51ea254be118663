package actors

import (
	"context"

	"allot/domain"
)

// operationKey is the context key of the operation a call belongs to.
type operationKey struct{}

// WithOperation returns ctx carrying op, the operation a person's action
// belongs to: the bot derives it from the Telegram update it is handling.
// Entry points that take no operation id of their own (an admin blocking a
// number, adding a region…) change state that is the same when done twice,
// but the audit entry they write is not: it is keyed by this operation, so
// an update Telegram delivers again after a crash is recorded once.
func WithOperation(ctx context.Context, op domain.OpID) context.Context {
	return context.WithValue(ctx, operationKey{}, op)
}

// OperationOf is the operation ctx carries, or "" (a system action, which
// is audited each time).
func OperationOf(ctx context.Context) domain.OpID {
	op, _ := ctx.Value(operationKey{}).(domain.OpID)
	return op
}
