package domain

import (
	"fmt"
	"slices"
)

// Event is a decided fact about one entity. Its type code is written into
// the journal, so codes are forever: never renumber, only add.
type Event interface {
	EventType() EventType
}

// EventType is an event's stable code in the journal.
type EventType uint16

// Kind names a kind of entity; with an id it addresses one entity.
type Kind uint8

// The entity kinds. Codes are stored on disk: only add.
const (
	KindNumber Kind = iota + 1
	KindWallet
	KindPayments
	KindUsers
	KindAudit
	KindCatalog
	KindWatcher
	KindProxy
	KindPool
	KindIntake
)

// MaxKind is the highest kind: an array indexed by kind has MaxKind+1 slots.
const MaxKind = KindIntake

var kindLabels = [...]string{"", "number", "wallet", "payments", "users", "audit", "catalog", "watcher", "proxy", "pool", "intake"}

// String is the kind's label: in logs, cursors and the introspection URLs.
func (k Kind) String() string {
	if int(k) < len(kindLabels) && k > 0 {
		return kindLabels[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for i, l := range kindLabels {
		if l == s && i > 0 {
			return Kind(i), true
		}
	}
	return 0, false
}

// Record is one journal entry: an event and the entity it happened to.
type Record struct {
	Kind  Kind
	ID    string
	Event Event
}

// Event type codes, grouped by entity. Stored on disk: never change one.
const (
	TypeNumberAdded      EventType = 100
	TypeNumberPriceSet   EventType = 101
	TypeNumberReserved   EventType = 102
	TypeNumberReleased   EventType = 103
	TypeNumberRented     EventType = 104
	TypeNumberRenewed    EventType = 105
	TypeTransferOffered  EventType = 106
	TypeTransferAccepted EventType = 107
	TypeTransferClosed   EventType = 108
	TypeReminderDue      EventType = 109
	TypeRentalExpired    EventType = 110
	TypeNumberReclaimed  EventType = 111
	TypeNumberBlocked    EventType = 112
	TypeNumberUnblocked  EventType = 113
	TypeRentalExtended   EventType = 114
	TypeRentalCancelled  EventType = 115
	TypeNumberRemoved    EventType = 116
	TypeNumberRestored   EventType = 117
	TypeLoginCodesSet    EventType = 118
	TypeHandoverDone     EventType = 119
	TypeHandoverAlerted  EventType = 120
	TypeRefundCredited   EventType = 121
	TypeAccountDeferred  EventType = 122
	TypeAccountDeletion  EventType = 123
	TypeAccountChecked   EventType = 124
	TypeNoticeTold       EventType = 125

	TypeWalletCredited EventType = 200
	TypeWalletDebited  EventType = 201
	TypeEntryOpened    EventType = 202
	TypeEntrySettled   EventType = 203
	TypeEntriesPruned  EventType = 204

	TypeInvoiceOpened   EventType = 300
	TypeInvoiceClosed   EventType = 301
	TypePaymentReceived EventType = 302
	TypeOrphanAssigned  EventType = 303
	TypeInvoicesPruned  EventType = 304

	TypeUserSeen       EventType = 400
	TypeStaffRequested EventType = 401
	TypeStaffDecided   EventType = 402

	TypeAuditRecorded EventType = 500

	TypeDefaultPriceSet EventType = 600
	TypeRegionsChanged  EventType = 601
	TypeTodayOnlySet    EventType = 602

	TypeWatcherAdvanced  EventType = 700
	TypeWatcherResumed   EventType = 701
	TypeWatcherGapClosed EventType = 702
	TypeWatcherJetton    EventType = 703

	TypeProxyAdded    EventType = 900
	TypeProxyReserved EventType = 901
	TypeProxyReleased EventType = 902
	TypeProxyIssued   EventType = 903
	TypeProxyExpired  EventType = 904
	TypeProxyRemoved  EventType = 905
	TypeProxySynced   EventType = 906

	TypeStockLoaded      EventType = 1000
	TypeStockIssued      EventType = 1001
	TypeFeedbackGiven    EventType = 1002
	TypeFlushStarted     EventType = 1003
	TypeFlushFinished    EventType = 1004
	TypeStockDeleted     EventType = 1005
	TypeStockReturning   EventType = 1006
	TypeStockReturned    EventType = 1007
	TypeReplacementTaken EventType = 1008

	TypeUpdateHandled  EventType = 1100
	TypeUpdatesHandled EventType = 1101
)

// EventType implementations: one line each, so the table reads as a list.
func (*NumberAdded) EventType() EventType          { return TypeNumberAdded }
func (*NumberPriceSet) EventType() EventType       { return TypeNumberPriceSet }
func (*NumberReserved) EventType() EventType       { return TypeNumberReserved }
func (*NumberReleased) EventType() EventType       { return TypeNumberReleased }
func (*NumberRented) EventType() EventType         { return TypeNumberRented }
func (*NumberRenewed) EventType() EventType        { return TypeNumberRenewed }
func (*TransferOffered) EventType() EventType      { return TypeTransferOffered }
func (*TransferAccepted) EventType() EventType     { return TypeTransferAccepted }
func (*TransferClosed) EventType() EventType       { return TypeTransferClosed }
func (*ReminderDue) EventType() EventType          { return TypeReminderDue }
func (*RentalExpired) EventType() EventType        { return TypeRentalExpired }
func (*NumberReclaimed) EventType() EventType      { return TypeNumberReclaimed }
func (*NumberBlocked) EventType() EventType        { return TypeNumberBlocked }
func (*NumberUnblocked) EventType() EventType      { return TypeNumberUnblocked }
func (*RentalExtended) EventType() EventType       { return TypeRentalExtended }
func (*RentalCancelled) EventType() EventType      { return TypeRentalCancelled }
func (*LoginCodesSet) EventType() EventType        { return TypeLoginCodesSet }
func (*HandoverDone) EventType() EventType         { return TypeHandoverDone }
func (*HandoverAlerted) EventType() EventType      { return TypeHandoverAlerted }
func (*RefundCredited) EventType() EventType       { return TypeRefundCredited }
func (*AccountCheckDeferred) EventType() EventType { return TypeAccountDeferred }
func (*AccountDeletionAsked) EventType() EventType { return TypeAccountDeletion }
func (*AccountChecked) EventType() EventType       { return TypeAccountChecked }
func (*NoticeTold) EventType() EventType           { return TypeNoticeTold }
func (*NumberRemoved) EventType() EventType        { return TypeNumberRemoved }
func (*NumberRestored) EventType() EventType       { return TypeNumberRestored }
func (*WalletCredited) EventType() EventType       { return TypeWalletCredited }
func (*WalletDebited) EventType() EventType        { return TypeWalletDebited }
func (*EntryOpened) EventType() EventType          { return TypeEntryOpened }
func (*EntrySettled) EventType() EventType         { return TypeEntrySettled }
func (*EntriesPruned) EventType() EventType        { return TypeEntriesPruned }
func (*InvoiceOpened) EventType() EventType        { return TypeInvoiceOpened }
func (*InvoiceClosed) EventType() EventType        { return TypeInvoiceClosed }
func (*PaymentReceived) EventType() EventType      { return TypePaymentReceived }
func (*OrphanAssigned) EventType() EventType       { return TypeOrphanAssigned }
func (*InvoicesPruned) EventType() EventType       { return TypeInvoicesPruned }
func (*UserSeen) EventType() EventType             { return TypeUserSeen }
func (*StaffRequested) EventType() EventType       { return TypeStaffRequested }
func (*StaffDecided) EventType() EventType         { return TypeStaffDecided }
func (*AuditRecorded) EventType() EventType        { return TypeAuditRecorded }
func (*UpdateHandled) EventType() EventType        { return TypeUpdateHandled }
func (*UpdatesHandled) EventType() EventType       { return TypeUpdatesHandled }
func (*DefaultPriceSet) EventType() EventType      { return TypeDefaultPriceSet }
func (*WatcherAdvanced) EventType() EventType      { return TypeWatcherAdvanced }
func (*WatcherResumed) EventType() EventType       { return TypeWatcherResumed }
func (*WatcherGapClosed) EventType() EventType     { return TypeWatcherGapClosed }
func (*ProxyAdded) EventType() EventType           { return TypeProxyAdded }
func (*ProxyReserved) EventType() EventType        { return TypeProxyReserved }
func (*ProxyReleased) EventType() EventType        { return TypeProxyReleased }
func (*ProxyIssued) EventType() EventType          { return TypeProxyIssued }
func (*ProxyExpired) EventType() EventType         { return TypeProxyExpired }
func (*ProxyRemoved) EventType() EventType         { return TypeProxyRemoved }
func (*ProxySynced) EventType() EventType          { return TypeProxySynced }
func (*StockLoaded) EventType() EventType          { return TypeStockLoaded }
func (*StockIssued) EventType() EventType          { return TypeStockIssued }
func (*FeedbackGiven) EventType() EventType        { return TypeFeedbackGiven }
func (*FlushStarted) EventType() EventType         { return TypeFlushStarted }
func (*FlushFinished) EventType() EventType        { return TypeFlushFinished }
func (*StockDeleted) EventType() EventType         { return TypeStockDeleted }
func (*StockReturning) EventType() EventType       { return TypeStockReturning }
func (*StockReturned) EventType() EventType        { return TypeStockReturned }
func (*ReplacementTaken) EventType() EventType     { return TypeReplacementTaken }
func (*RegionsChanged) EventType() EventType       { return TypeRegionsChanged }
func (*TodayOnlySet) EventType() EventType         { return TypeTodayOnlySet }

// newEvent allocates an empty event of type t for decoding.
func newEvent(t EventType) (Event, bool) {
	f, ok := eventFactory[t]
	if !ok {
		return nil, false
	}
	return f(), true
}

var eventFactory = map[EventType]func() Event{
	TypeNumberAdded:      func() Event { return new(NumberAdded) },
	TypeNumberPriceSet:   func() Event { return new(NumberPriceSet) },
	TypeNumberReserved:   func() Event { return new(NumberReserved) },
	TypeNumberReleased:   func() Event { return new(NumberReleased) },
	TypeNumberRented:     func() Event { return new(NumberRented) },
	TypeNumberRenewed:    func() Event { return new(NumberRenewed) },
	TypeTransferOffered:  func() Event { return new(TransferOffered) },
	TypeTransferAccepted: func() Event { return new(TransferAccepted) },
	TypeTransferClosed:   func() Event { return new(TransferClosed) },
	TypeReminderDue:      func() Event { return new(ReminderDue) },
	TypeRentalExpired:    func() Event { return new(RentalExpired) },
	TypeNumberReclaimed:  func() Event { return new(NumberReclaimed) },
	TypeNumberBlocked:    func() Event { return new(NumberBlocked) },
	TypeNumberUnblocked:  func() Event { return new(NumberUnblocked) },
	TypeRentalExtended:   func() Event { return new(RentalExtended) },
	TypeRentalCancelled:  func() Event { return new(RentalCancelled) },
	TypeLoginCodesSet:    func() Event { return new(LoginCodesSet) },
	TypeHandoverDone:     func() Event { return new(HandoverDone) },
	TypeHandoverAlerted:  func() Event { return new(HandoverAlerted) },
	TypeRefundCredited:   func() Event { return new(RefundCredited) },
	TypeAccountDeferred:  func() Event { return new(AccountCheckDeferred) },
	TypeAccountDeletion:  func() Event { return new(AccountDeletionAsked) },
	TypeAccountChecked:   func() Event { return new(AccountChecked) },
	TypeNoticeTold:       func() Event { return new(NoticeTold) },
	TypeNumberRemoved:    func() Event { return new(NumberRemoved) },
	TypeNumberRestored:   func() Event { return new(NumberRestored) },
	TypeWalletCredited:   func() Event { return new(WalletCredited) },
	TypeWalletDebited:    func() Event { return new(WalletDebited) },
	TypeEntryOpened:      func() Event { return new(EntryOpened) },
	TypeEntrySettled:     func() Event { return new(EntrySettled) },
	TypeEntriesPruned:    func() Event { return new(EntriesPruned) },
	TypeInvoiceOpened:    func() Event { return new(InvoiceOpened) },
	TypeInvoiceClosed:    func() Event { return new(InvoiceClosed) },
	TypePaymentReceived:  func() Event { return new(PaymentReceived) },
	TypeOrphanAssigned:   func() Event { return new(OrphanAssigned) },
	TypeInvoicesPruned:   func() Event { return new(InvoicesPruned) },
	TypeUserSeen:         func() Event { return new(UserSeen) },
	TypeStaffRequested:   func() Event { return new(StaffRequested) },
	TypeStaffDecided:     func() Event { return new(StaffDecided) },
	TypeAuditRecorded:    func() Event { return new(AuditRecorded) },
	TypeDefaultPriceSet:  func() Event { return new(DefaultPriceSet) },
	TypeWatcherAdvanced:  func() Event { return new(WatcherAdvanced) },
	TypeWatcherResumed:   func() Event { return new(WatcherResumed) },
	TypeWatcherGapClosed: func() Event { return new(WatcherGapClosed) },
	TypeWatcherJetton:    func() Event { return new(WatcherJettonResolved) },
	TypeProxyAdded:       func() Event { return new(ProxyAdded) },
	TypeProxyReserved:    func() Event { return new(ProxyReserved) },
	TypeProxyReleased:    func() Event { return new(ProxyReleased) },
	TypeProxyIssued:      func() Event { return new(ProxyIssued) },
	TypeProxyExpired:     func() Event { return new(ProxyExpired) },
	TypeProxyRemoved:     func() Event { return new(ProxyRemoved) },
	TypeProxySynced:      func() Event { return new(ProxySynced) },
	TypeStockLoaded:      func() Event { return new(StockLoaded) },
	TypeStockIssued:      func() Event { return new(StockIssued) },
	TypeFeedbackGiven:    func() Event { return new(FeedbackGiven) },
	TypeFlushStarted:     func() Event { return new(FlushStarted) },
	TypeFlushFinished:    func() Event { return new(FlushFinished) },
	TypeStockDeleted:     func() Event { return new(StockDeleted) },
	TypeStockReturning:   func() Event { return new(StockReturning) },
	TypeStockReturned:    func() Event { return new(StockReturned) },
	TypeReplacementTaken: func() Event { return new(ReplacementTaken) },
	TypeRegionsChanged:   func() Event { return new(RegionsChanged) },
	TypeTodayOnlySet:     func() Event { return new(TodayOnlySet) },
	TypeUpdateHandled:    func() Event { return new(UpdateHandled) },
	TypeUpdatesHandled:   func() Event { return new(UpdatesHandled) },
}

// kindOf is the entity kind each event type belongs to, checked on decode so
// that a record can never apply an event to the wrong kind of entity.
func kindOf(t EventType) Kind {
	switch t / 100 {
	case 1:
		return KindNumber
	case 2:
		return KindWallet
	case 3:
		return KindPayments
	case 4:
		return KindUsers
	case 5:
		return KindAudit
	case 6:
		return KindCatalog
	case 7:
		return KindWatcher
	case 9:
		return KindProxy
	case 10:
		return KindPool
	case 11:
		return KindIntake
	}
	return 0
}

// Catalog is the operator's settings that admins change at run time: the
// default price list, and for distribution the regions offered and the
// today-only mode of phone numbers. An entity, so that every change is
// journaled like everything else.
type Catalog struct {
	Prices PriceList `msgpack:"p"`
	// Regions, once an admin added or removed one, replace the kinds
	// file's list (RegionsSet says so; an empty list is then "none").
	Regions    []string `msgpack:"rg,omitempty"`
	RegionsSet bool     `msgpack:"rs,omitempty"`
	TodayOnly  bool     `msgpack:"to,omitempty"`
	Seq        uint64   `msgpack:"sq"`
}

// SetDefault decides a change of the default price for a period in m's
// currency (an amount of 0 removes it in that currency).
func (c *Catalog) SetDefault(days int, m Money) (*DefaultPriceSet, error) {
	if err := ValidatePrice(days, m); err != nil {
		return nil, err
	}
	return &DefaultPriceSet{Days: days, Amount: Nano(m.Units), Currency: m.Currency}, nil
}

// RegionsNow is the list of regions in force: the admins' if they changed
// it, else the configured one.
func (c *Catalog) RegionsNow(configured []string) []string {
	if c.RegionsSet {
		return c.Regions
	}
	return configured
}

// AddRegion decides adding a region code (digits and letters, up to 16).
func (c *Catalog) AddRegion(code string, configured []string) (*RegionsChanged, error) {
	if !validCode(code, 16) {
		return nil, fmt.Errorf("%w: region %q", ErrBadRegion, code)
	}
	now := c.RegionsNow(configured)
	if slices.Contains(now, code) {
		return nil, fmt.Errorf("%w: region %s is already there", ErrAlreadyDecided, code)
	}
	return &RegionsChanged{Regions: append(slices.Clone(now), code)}, nil
}

// RemoveRegion decides removing a region. Its stock stays where it is: a
// region added back finds its pools as they were.
func (c *Catalog) RemoveRegion(code string, configured []string) (*RegionsChanged, error) {
	now := c.RegionsNow(configured)
	i := slices.Index(now, code)
	if i < 0 {
		return nil, fmt.Errorf("%w: region %q", ErrBadRegion, code)
	}
	return &RegionsChanged{Regions: slices.Delete(slices.Clone(now), i, i+1)}, nil
}

// DefaultPriceSet changes the default price list.
type DefaultPriceSet struct {
	Days     int      `msgpack:"d"`
	Amount   Nano     `msgpack:"a"`
	Currency Currency `msgpack:"cu,omitempty"` // absent (TON) in records from before currencies
}

// RegionsChanged sets the list of regions offered.
type RegionsChanged struct {
	Regions []string `msgpack:"r"`
}

// TodayOnlySet switches today-only mode for phone numbers.
type TodayOnlySet struct {
	On bool `msgpack:"on"`
}

// CatalogEvent is an event that changes the Catalog.
type CatalogEvent interface {
	Event
	applyCatalog(c *Catalog)
}

// Apply applies e to c and records seq.
func (c *Catalog) Apply(e CatalogEvent, seq uint64) {
	e.applyCatalog(c)
	c.Seq = seq
}

// LastSeq is the sequence of the last event applied (State).
func (c *Catalog) LastSeq() uint64 { return c.Seq }

// ApplyEvent applies ev if it is an event of a catalog (State).
func (c *Catalog) ApplyEvent(ev Event, seq uint64) error {
	return applyAs(KindCatalog, ev, seq, c.Apply)
}

func (e *DefaultPriceSet) applyCatalog(c *Catalog) {
	c.Prices = c.Prices.With(e.Days, e.Currency, e.Amount)
}
func (e *RegionsChanged) applyCatalog(c *Catalog) {
	c.Regions, c.RegionsSet = slices.Clone(e.Regions), true
}
func (e *TodayOnlySet) applyCatalog(c *Catalog) { c.TodayOnly = e.On }
