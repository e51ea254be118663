package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
)

// Proxies, for approved staff: one adds a proxy bought for some days,
// another picks one by resources and country, holds it while deciding, and
// takes it or lets it go. The session keeps the choices so far in its
// proxyDraft; the engine decides everything again, so an old button meets
// the current state. A proxy's password is shown to one person only: the
// one it is issued to, when it is issued.

// What the session awaits while a proxy is being added.
const (
	proxyAwaitAddr    = "proxy_addr"
	proxyAwaitCountry = "proxy_country"
)

// Callback arguments with a meaning of their own.
const (
	proxyDone = "." // "Done" of a resource multi-select: never a kind's code
	proxyAny  = "-" // any country
	proxyAdd  = "a" // pxc: the country of a proxy being added
	proxyGet  = "g" // pxc: the country of the proxy wanted
)

// proxyEngine is what the proxy screens ask of the engine.
type proxyEngine interface {
	ProxiesFor(resource, country string) []actors.ProxyView
	ProxyByRef(ref string) (string, bool)
	AddProxy(ctx context.Context, by domain.UserID, spec domain.ProxySpec) (*domain.Proxy, error)
	ReserveProxy(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error)
	ConfirmProxy(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error)
	CancelProxy(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error)
}

var _ proxyEngine = (*actors.Engine)(nil)

// proxyDraft is what a person is choosing while adding or picking a proxy.
type proxyDraft struct {
	get       bool // picking a proxy rather than adding one
	typ       domain.ProxyType
	addr      domain.ProxyAddr
	country   string   // "" for any, when picking
	resources []string // kind codes, in the kinds file's order
}

// proxyMessage handles /proxy and the text typed during a proxy flow; it
// reports whether text was one of them.
func (s *session) proxyMessage(text string) bool {
	cmd, _, _ := strings.Cut(text, " ")
	cmd, _, _ = strings.Cut(cmd, "@")
	typed := s.awaiting == proxyAwaitAddr || s.awaiting == proxyAwaitCountry
	switch {
	case cmd == "/proxy":
		if s.proxyStaff(0) {
			s.proxyMenu(0, "")
		}
		return true
	case !typed || strings.HasPrefix(text, "/"):
		return false
	case !s.proxyStaff(0):
		return true
	case s.proxy == nil || s.proxy.get:
		s.proxyMenu(0, s.t("stale_button"))
	case s.awaiting == proxyAwaitAddr:
		s.proxyAddr(text)
	default:
		s.proxyTypedCountry(text)
	}
	return true
}

// proxyStaff reports whether the person may use proxies; when not, they are
// told so, and whatever proxy flow they were in is dropped.
func (s *session) proxyStaff(msgID int) bool {
	if s.isStaff() {
		return true
	}
	s.proxyReset()
	s.show(msgID, s.t("proxy_staff_only"), s.kb(s.row(s.btn("btn_menu", "menu"))))
	return false
}

func (s *session) proxyReset() {
	s.proxy = nil
	if strings.HasPrefix(s.awaiting, "proxy_") {
		s.awaiting = ""
	}
}

// proxyMenu offers adding and getting a proxy, after note if any.
func (s *session) proxyMenu(msgID int, note string) {
	s.proxyReset()
	s.show(msgID, withNote(note, s.t("proxy_menu")), s.kb(
		s.row(s.btn("proxy_btn_add", "pxa"), s.btn("proxy_btn_get", "pxg")),
		s.row(s.btn("btn_menu", "menu"))))
}

func withNote(note, text string) string {
	if note == "" {
		return text
	}
	return note + "\n\n" + text
}

func (s *session) proxyMenuRow() []telego.InlineKeyboardButton {
	return s.row(s.btn("proxy_btn_menu", "pxm"))
}

// draft returns the person's draft of the given mode, or tells them the
// button is stale and shows the proxy menu.
func (s *session) draft(msgID int, get bool) (*proxyDraft, bool) {
	if s.proxy == nil || s.proxy.get != get {
		s.proxyMenu(msgID, s.t("stale_button"))
		return nil, false
	}
	return s.proxy, true
}

// proxyStart begins adding (get false) or getting a proxy.
func (s *session) proxyStart(msgID int, get bool) {
	s.proxyReset()
	if len(s.bot.cfg.Kinds.Kinds) == 0 {
		s.show(msgID, s.t("proxy_no_resources"), s.kb(s.proxyMenuRow()))
		return
	}
	s.proxy = &proxyDraft{get: get}
	if get {
		s.proxyResources(msgID, "")
		return
	}
	s.show(msgID, s.t("proxy_choose_type"), s.kb(
		s.row(s.btnText(domain.ProxyHTTP.String(), "pxt", "h"), s.btnText(domain.ProxySOCKS5.String(), "pxt", "s")),
		s.proxyMenuRow()))
}

func (s *session) proxyType(msgID int, arg string) {
	d, ok := s.draft(msgID, false)
	if !ok {
		return
	}
	switch arg {
	case "h":
		d.typ = domain.ProxyHTTP
	case "s":
		d.typ = domain.ProxySOCKS5
	default:
		s.proxyMenu(msgID, s.t("stale_button"))
		return
	}
	s.awaiting = proxyAwaitAddr
	s.show(msgID, s.t("proxy_ask_addr", "type", d.typ), s.kb(s.row(s.btn("proxy_btn_stop", "pxm"))))
}

// proxyAddr reads the address typed; a bad one is explained and asked again.
func (s *session) proxyAddr(text string) {
	a, err := domain.ParseProxy(text)
	if err != nil {
		s.send(s.proxyBadText(err), s.kb(s.row(s.btn("proxy_btn_stop", "pxm"))))
		return
	}
	s.proxy.addr = a
	s.proxyAskCountry()
}

// proxyAskCountry asks where the proxy is: typed, or one of the countries
// already in stock.
func (s *session) proxyAskCountry() {
	s.awaiting = proxyAwaitCountry
	var countries []string
	for _, v := range s.bot.eng.ProxiesFor("", "") {
		countries = append(countries, v.Country)
	}
	s.send(s.t("proxy_ask_country", "addr", s.proxy.addr.Redacted()),
		s.kb(append(s.countryRows(proxyAdd, countries), s.row(s.btn("proxy_btn_stop", "pxm")))...))
}

// countryRows are buttons of the distinct countries, four to a row.
func (s *session) countryRows(mode string, countries []string) [][]telego.InlineKeyboardButton {
	slices.Sort(countries)
	countries = slices.Compact(countries)
	var rows [][]telego.InlineKeyboardButton
	for c := range slices.Chunk(countries, 4) {
		var row []telego.InlineKeyboardButton
		for _, code := range c {
			row = append(row, s.btnText(code, "pxc", mode, code))
		}
		rows = append(rows, row)
	}
	return rows
}

func (s *session) proxyTypedCountry(text string) {
	c, err := domain.ParseCountry(text)
	if err != nil {
		s.send(s.proxyBadText(err), s.kb(s.row(s.btn("proxy_btn_stop", "pxm"))))
		return
	}
	s.proxy.country = c
	s.awaiting = ""
	s.proxyResources(0, "")
}

// proxyCountry is a country button: of the proxy being added, or of the one
// wanted ("-" for any).
func (s *session) proxyCountry(msgID int, mode, code string) {
	d, ok := s.draft(msgID, mode == proxyGet)
	if !ok {
		return
	}
	c, err := domain.ParseCountry(code)
	switch {
	case mode == proxyGet && code == proxyAny:
		d.country = ""
	case err != nil, mode != proxyAdd && mode != proxyGet:
		s.proxyMenu(msgID, s.t("stale_button"))
		return
	default:
		d.country = c
	}
	if mode == proxyAdd {
		s.awaiting = ""
		s.proxyResources(msgID, "")
		return
	}
	s.proxyList(msgID, 0, "")
}

// proxyResources is the multi-select of the kinds a proxy is good for.
func (s *session) proxyResources(msgID int, note string) {
	d := s.proxy
	action, text := "pxr", s.t("proxy_resources_add", "addr", d.addr.Redacted(), "country", d.country)
	if d.get {
		action, text = "pxgr", s.t("proxy_resources_get")
	}
	var rows [][]telego.InlineKeyboardButton
	for _, k := range s.bot.cfg.Kinds.Kinds {
		label := k.Name
		if slices.Contains(d.resources, k.Code) {
			label = "✓ " + label
		}
		rows = append(rows, s.row(s.btnText(label, action, k.Code)))
	}
	rows = append(rows, s.row(s.btn("proxy_btn_done", action, proxyDone)), s.proxyMenuRow())
	s.show(msgID, withNote(note, text), s.kb(rows...))
}

// proxyToggle selects or unselects a resource, or goes on when done.
func (s *session) proxyToggle(msgID int, get bool, code string) {
	d, ok := s.draft(msgID, get)
	switch {
	case !ok:
		return
	case code == proxyDone && len(d.resources) == 0:
		s.proxyResources(msgID, s.t("proxy_pick_one"))
	case code == proxyDone && get:
		s.proxyChooseCountry(msgID)
	case code == proxyDone:
		s.proxyChooseDays(msgID)
	default:
		if _, known := s.bot.cfg.Kinds.Kind(code); !known {
			s.proxyMenu(msgID, s.t("stale_button"))
			return
		}
		d.resources = s.toggled(d.resources, code)
		s.proxyResources(msgID, "")
	}
}

// toggled is chosen with code added or taken away, in the kinds' order.
func (s *session) toggled(chosen []string, code string) []string {
	on := !slices.Contains(chosen, code)
	var out []string
	for _, k := range s.bot.cfg.Kinds.Kinds {
		if k.Code == code && on || k.Code != code && slices.Contains(chosen, k.Code) {
			out = append(out, k.Code)
		}
	}
	return out
}

// resourceNames names the kinds for people, as the kinds file does.
func (s *session) resourceNames(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		if k, ok := s.bot.cfg.Kinds.Kind(c); ok && k.Name != "" {
			c = k.Name
		}
		names = append(names, c)
	}
	return strings.Join(names, ", ")
}

func (s *session) proxyChooseDays(msgID int) {
	var row []telego.InlineKeyboardButton
	for _, n := range domain.ProxyDays {
		row = append(row, s.btnText(s.t("proxy_btn_days", "days", n), "pxd", strconv.Itoa(n)))
	}
	s.show(msgID, s.t("proxy_choose_days", "addr", s.proxy.addr.Redacted(),
		"resources", s.resourceNames(s.proxy.resources)), s.kb(row, s.proxyMenuRow()))
}

// proxyDays adds the proxy drafted, for the days pressed.
func (s *session) proxyDays(msgID int, c Callback) {
	days, err := c.Int(0)
	d, ok := s.draft(msgID, false)
	switch {
	case !ok:
		return
	case err != nil || !slices.Contains(domain.ProxyDays, days) || d.typ == 0 || d.country == "" || len(d.resources) == 0:
		s.proxyMenu(msgID, s.t("stale_button"))
		return
	case !s.allowed(ActOperation):
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	p, err := s.bot.eng.AddProxy(ctx, s.user, domain.ProxySpec{Type: d.typ, Addr: d.addr, Resources: d.resources,
		Country: d.country, Days: days})
	if err != nil {
		s.proxyAddFailed(msgID, err)
		return
	}
	s.proxyReset()
	s.show(msgID, s.t("proxy_added", "type", p.Type, "addr", p.Addr.Redacted(), "country", p.Country,
		"resources", s.resourceNames(p.Resources), "until", when(p.Expires)),
		s.kb(s.row(s.btn("proxy_btn_add", "pxa")), s.proxyMenuRow()))
}

// proxyAddFailed explains a refused proxy and, where the person can mend
// it, asks for that part again.
func (s *session) proxyAddFailed(msgID int, err error) {
	var bad *domain.BadProxyError
	switch {
	case errors.As(err, &bad) && bad.Field == "country":
		s.show(msgID, s.proxyBadText(err), nil)
		s.proxyAskCountry()
	case errors.As(err, &bad) && slices.Contains([]string{"address", "host", "port", "user", "password"}, bad.Field):
		s.awaiting = proxyAwaitAddr
		s.show(msgID, s.proxyBadText(err), s.kb(s.row(s.btn("proxy_btn_stop", "pxm"))))
	case errors.Is(err, domain.ErrProxyExists):
		s.proxyMenu(msgID, s.t("proxy_exists"))
	default:
		s.fail(msgID, err)
	}
}

// proxyBadText says which part of a proxy is wrong, in the person's
// language. The reason domain gives is English and is left to the log.
func (s *session) proxyBadText(err error) string {
	var bad *domain.BadProxyError
	if !errors.As(err, &bad) {
		return s.errText(err)
	}
	switch bad.Field {
	case "host", "port", "user", "password", "country", "resources", "days", "type":
		return s.t("proxy_bad_" + bad.Field)
	}
	return s.t("proxy_bad_address")
}
