package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// acquireLease takes a lease that is free, expired, or already held by the
// same holder. A new holder (or the same holder after expiry) gets the
// next epoch, so writes fenced by the old epoch fail from then on; a holder
// renewing in time keeps its epoch. Expiry is judged by the database's
// clock, the one clock every member shares.
const acquireLease = `INSERT INTO allot_leases AS l (name, holder, epoch, expires_at)
VALUES ($1, $2, 1, now() + $3 * interval '1 microsecond')
ON CONFLICT (name) DO UPDATE SET
	holder = excluded.holder,
	epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
	expires_at = excluded.expires_at
WHERE l.holder = excluded.holder OR l.expires_at <= now()
RETURNING epoch`

// AcquireLease takes the named lease for holder for ttl and returns its
// epoch. It fails with ErrLeaseHeld (naming the holder and the expiry) if
// someone else holds an unexpired lease. A holder name should be unique
// per process start, so that a restarted process is a new holder with a
// new epoch and its previous incarnation's writes are fenced.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (uint64, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("pgstore: acquire lease %q: ttl %v must be positive", name, ttl)
	}
	var epoch int64
	err := s.pool.QueryRow(ctx, acquireLease, name, holder, ttl.Microseconds()).Scan(&epoch)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, s.leaseHeld(ctx, name)
	}
	if err != nil {
		return 0, s.errorf(fmt.Sprintf("acquire lease %q in", name), err)
	}
	return uint64(epoch), nil
}

// leaseHeld builds ErrLeaseHeld with who holds the lease and until when.
func (s *Store) leaseHeld(ctx context.Context, name string) error {
	var holder string
	var until time.Time
	err := s.pool.QueryRow(ctx, "SELECT holder, expires_at FROM allot_leases WHERE name = $1", name).Scan(&holder, &until)
	if err != nil {
		return fmt.Errorf("%w: lease %q", ErrLeaseHeld, name)
	}
	return fmt.Errorf("%w: lease %q is held by %q until %s", ErrLeaseHeld, name, holder, until.UTC().Format(time.RFC3339Nano))
}

// RenewLease extends the lease by ttl from now if holder still holds it
// at epoch and it has not expired; otherwise it fails with ErrLeaseLost
// and the singleton must stop.
func (s *Store) RenewLease(ctx context.Context, name, holder string, epoch uint64, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("pgstore: renew lease %q: ttl %v must be positive", name, ttl)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE allot_leases SET expires_at = now() + $4 * interval '1 microsecond'
		WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()`,
		name, holder, epochParam(epoch), ttl.Microseconds())
	if err != nil {
		return s.errorf(fmt.Sprintf("renew lease %q in", name), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: lease %q epoch %d of %q expired or was taken over", ErrLeaseLost, name, epoch, holder)
	}
	return nil
}

// ReleaseLease ends the lease now so that another holder need not wait
// for it to expire. The row stays (epochs must never repeat); releasing a
// lease already lost is not an error.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, epoch uint64) error {
	_, err := s.pool.Exec(ctx, `UPDATE allot_leases SET expires_at = now()
		WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()`, name, holder, epochParam(epoch))
	if err != nil {
		return s.errorf(fmt.Sprintf("release lease %q in", name), err)
	}
	return nil
}

// putCursor writes the cursor only while the lease of the same name is at
// the given epoch and unexpired. FOR SHARE locks the lease row, so a
// takeover (which updates it) waits for this write or, if it came first,
// makes this statement see the new epoch and write nothing.
const putCursor = `WITH lease AS (
	SELECT epoch FROM allot_leases
	WHERE name = $1 AND epoch = $2 AND expires_at > now()
	FOR SHARE
)
INSERT INTO allot_cursors AS c (name, epoch, value)
SELECT $1, epoch, $3 FROM lease
ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch, value = excluded.value
WHERE c.epoch <= excluded.epoch
RETURNING 1`

// PutCursor stores a singleton's cursor (an offset, a last-seen block)
// under the lease of the same name. It fails with ErrLeaseLost, writing
// nothing, if that lease is no longer at epoch or has expired: a
// singleton that lost its lease cannot move the cursor its successor
// reads.
func (s *Store) PutCursor(ctx context.Context, name string, epoch uint64, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	var one int
	err := s.pool.QueryRow(ctx, putCursor, name, epochParam(epoch), value).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: cursor %q not written: its lease is no longer at epoch %d or has expired", ErrLeaseLost, name, epoch)
	}
	if err != nil {
		return s.errorf(fmt.Sprintf("write cursor %q in", name), err)
	}
	return nil
}

// GetCursor reads a cursor and the epoch that wrote it; found is false if
// it was never written.
func (s *Store) GetCursor(ctx context.Context, name string) (value []byte, epoch uint64, found bool, err error) {
	var e int64
	err = s.pool.QueryRow(ctx, "SELECT value, epoch FROM allot_cursors WHERE name = $1", name).Scan(&value, &e)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, s.errorf(fmt.Sprintf("read cursor %q in", name), err)
	}
	return value, uint64(e), true, nil
}

// epochParam maps an epoch no lease can have (above bigint) to -1, which
// matches no row, instead of letting the conversion wrap around.
func epochParam(epoch uint64) int64 {
	if epoch > math.MaxInt64 {
		return -1
	}
	return int64(epoch)
}
