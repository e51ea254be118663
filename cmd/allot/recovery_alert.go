package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"allot/persistence"
)

// recoveryState is /readyz's journal line: whether this start recovered
// with loss (a damaged snapshot passed over, a journal tail set aside, a
// repair before it), and what.
func recoveryState(info persistence.RecoveryInfo) string {
	if len(info.Losses) == 0 {
		return "recovered with loss: no"
	}
	return "recovered with loss: yes — " + lossSummary(info.Losses)
}

// lossSummary names what the start set aside in one short line: the first
// few things and how many more, and whether acknowledged records were lost.
func lossSummary(losses []persistence.Loss) string {
	const shown = 3
	parts := make([]string, 0, shown+1)
	for i, l := range losses {
		if i == shown {
			parts = append(parts, fmt.Sprintf("%d more", len(losses)-shown))
			break
		}
		parts = append(parts, l.What+" "+filepath.Base(l.File))
	}
	lost := "nothing acknowledged lost"
	if slices.ContainsFunc(losses, func(l persistence.Loss) bool { return l.Acknowledged }) {
		lost = "acknowledged records lost"
	}
	return strings.Join(parts, ", ") + " (" + lost + ")"
}

// alertRecovery tells the admins, once for this start, that it recovered
// with loss: the log and /readyz say so too, but nobody may be watching
// them. alert sends through the bot, so call it once the bot exists.
func alertRecovery(info persistence.RecoveryInfo, alert func(string)) {
	if len(info.Losses) == 0 {
		return
	}
	alert("allot started after setting data aside: " + lossSummary(info.Losses) +
		". The .broken files are under DATA_DIR; the log names each (level ERROR).")
}
