package telegram

import (
	"strconv"

	"allot/domain"
)

// distMessage handles staff registration and distribution text.
func (s *session) distMessage(updateID int, cmd, rest, text string) bool { return false }

// distCallback handles the distribution buttons.
func (s *session) distCallback(queryID string, msgID int, c domain.Callback) bool { return false }

// isStaff reports whether the person may use distribution: an approved
// member of staff, or an admin.
func (s *session) isStaff() bool {
	if s.isAdmin() {
		return true
	}
	ctx, cancel := s.ctx()
	defer cancel()
	u, err := s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(s.user), 10))
	return err == nil && u.Approval == domain.ApprovalApproved
}
