package stocker

import (
	"context"
	"strconv"
	"sync"

	"allot/domain"
)

// nameCache remembers how the issued tab names each person, so that a
// flush asks the engine once per person per run.
type nameCache struct {
	mu sync.Mutex
	m  map[domain.UserID]string
}

// who names a person in the issued tab: Options.Who, or their nickname
// and Telegram id.
func (s *Stocker) who(ctx context.Context, u domain.UserID) string {
	if s.o.Who != nil {
		return s.o.Who(u)
	}
	s.names.mu.Lock()
	name, ok := s.names.m[u]
	s.names.mu.Unlock()
	if ok {
		return name
	}
	name = strconv.FormatInt(int64(u), 10)
	if usr, err := s.e.FindUser(ctx, name); err == nil && usr.Nickname != "" {
		name = usr.Nickname + " (" + name + ")"
	}
	s.names.mu.Lock()
	s.names.m[u] = name
	s.names.mu.Unlock()
	return name
}
