package telegram

import "allot/actors"

// Engine is everything the bot asks of the engine: the narrow ports its
// screens declare beside them, composed. *actors.Engine is the one
// implementation; a screen's file says which calls it makes, and adding a
// screen adds its port here.
type Engine interface {
	intakeEngine
	sessionEngine
	rentEngine
	rentalsEngine
	transferEngine
	walletEngine
	noticeEngine
	codesEngine
	staffEngine
	distEngine
	statsEngine
	proxyEngine
	adminEngine
	distAdminEngine
	syncEngine
	accountsEngine
	fragmentEngine
}

var _ Engine = (*actors.Engine)(nil)
