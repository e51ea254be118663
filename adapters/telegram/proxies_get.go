package telegram

import (
	"allot/actors"
	"allot/domain"
	"context"
	"errors"
	"slices"

	"github.com/mymmrac/telego"
)

// Getting a proxy: the free ones for the resources and country chosen,
// page by page; one is held while the person decides, then taken or let go.

// proxyMatches are the proxies free now for every resource chosen, in
// country ("" for any).
func (s *session) proxyMatches(d *proxyDraft, country string) []actors.ProxyView {
	var out []actors.ProxyView
	for _, v := range s.bot.eng.ProxiesFor(d.resources[0], country) {
		if !slices.ContainsFunc(d.resources, func(r string) bool { return !slices.Contains(v.Resources, r) }) {
			out = append(out, v)
		}
	}
	return out
}

func (s *session) proxyChooseCountry(msgID int) {
	d := s.proxy
	var countries []string
	for _, v := range s.proxyMatches(d, "") {
		countries = append(countries, v.Country)
	}
	names := s.resourceNames(d.resources)
	if len(countries) == 0 {
		s.show(msgID, s.t("proxy_none", "resources", names), s.kb(s.row(s.btn("btn_back", "pxg")), s.proxyMenuRow()))
		return
	}
	rows := append(s.countryRows(proxyGet, countries), s.row(s.btn("proxy_btn_any", "pxc", proxyGet, proxyAny)),
		s.proxyMenuRow())
	s.show(msgID, s.t("proxy_choose_country", "resources", names), s.kb(rows...))
}

func (s *session) proxyPage(msgID int, c Callback) {
	page, err := c.Int(0)
	if err != nil {
		s.proxyMenu(msgID, s.t("stale_button"))
		return
	}
	s.proxyList(msgID, page, "")
}

// proxyPageSize is how many proxies a page lists: the bot's page size,
// kept between 5 and 8 so that the buttons fit a phone's screen.
func (s *session) proxyPageSize() int { return min(max(s.bot.cfg.PageSize, 5), 8) }

// proxyList shows a page of the free proxies the draft asks for, after
// note; without a draft (the session ended), the proxy menu.
func (s *session) proxyList(msgID, page int, note string) {
	d := s.proxy
	if d == nil || !d.get || len(d.resources) == 0 {
		s.proxyMenu(msgID, note)
		return
	}
	all := s.proxyMatches(d, d.country)
	names := s.resourceNames(d.resources)
	if len(all) == 0 {
		s.show(msgID, withNote(note, s.t("proxy_none", "resources", names)),
			s.kb(s.row(s.btn("btn_back", "pxgr", proxyDone)), s.proxyMenuRow()))
		return
	}
	size := s.proxyPageSize()
	pages := (len(all) + size - 1) / size
	page = min(page, pages-1)
	var rows [][]telego.InlineKeyboardButton
	for _, v := range all[page*size : min(len(all), (page+1)*size)] {
		rows = append(rows, s.row(s.btnText(v.Type.String()+" · "+v.Addr+" · "+v.Country, "pxs", v.Ref)))
	}
	country := d.country
	if country == "" {
		country = s.t("proxy_any_country")
	}
	rows = append(rows, s.pager("pxl", page, pages), s.row(s.btn("btn_back", "pxgr", proxyDone)), s.proxyMenuRow())
	s.show(msgID, withNote(note, s.t("proxy_list", "resources", names, "country", country, "page", page+1,
		"pages", pages, "minutes", int(domain.ProxyHoldTTL.Minutes()))), s.kb(rows...))
}

// proxyReserve holds the proxy pressed for the person while they decide.
func (s *session) proxyReserve(msgID int, ref string) {
	if !s.allowed(ActOperation) {
		return
	}
	p, err := s.proxyDo(ref, s.bot.eng.ReserveProxy)
	if err != nil {
		s.proxyRefused(msgID, err)
		return
	}
	s.show(msgID, s.t("proxy_held", "until", when(p.Until), "type", p.Type, "addr", p.Addr.Redacted(),
		"country", p.Country, "resources", s.resourceNames(p.Resources), "expires", when(p.Expires)),
		s.kb(s.row(s.btn("proxy_btn_confirm", "pxok", ref), s.btn("proxy_btn_cancel", "pxno", ref))))
}

// proxyConfirm issues the held proxy and shows it whole, to its holder only.
func (s *session) proxyConfirm(msgID int, ref string) {
	p, err := s.proxyDo(ref, s.bot.eng.ConfirmProxy)
	if err != nil {
		s.proxyRefused(msgID, err)
		return
	}
	s.show(msgID, s.t("proxy_issued", "type", p.Type, "proxy", p.Addr.String(), "country", p.Country,
		"expires", when(p.Expires)), s.kb(s.proxyMenuRow(), s.row(s.btn("btn_menu", "menu"))))
}

func (s *session) proxyCancel(msgID int, ref string) {
	if _, err := s.proxyDo(ref, s.bot.eng.CancelProxy); err != nil {
		s.proxyRefused(msgID, err)
		return
	}
	s.proxyList(msgID, 0, s.t("proxy_released"))
}

// proxyChange is the shape of the engine's ReserveProxy, ConfirmProxy and
// CancelProxy.
type proxyChange func(ctx context.Context, user domain.UserID, id string) (*domain.Proxy, error)

// proxyDo runs one of the engine's proxy changes on the proxy a button's
// ref names.
func (s *session) proxyDo(ref string, change proxyChange) (*domain.Proxy, error) {
	id, ok := s.bot.eng.ProxyByRef(ref)
	if !ok {
		return nil, domain.ErrProxyNotFound
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return change(ctx, s.user, id)
}

// proxyRefused tells why a proxy could not be held, issued or let go, and
// shows the free ones again.
func (s *session) proxyRefused(msgID int, err error) {
	var key string
	switch {
	case errors.Is(err, domain.ErrProxyTaken), errors.Is(err, domain.ErrNotPermitted):
		key = "proxy_taken"
	case errors.Is(err, domain.ErrProxyNotFound), errors.Is(err, domain.ErrProxyExpired):
		key = "proxy_gone"
	case errors.Is(err, domain.ErrHoldExpired), errors.Is(err, domain.ErrNoHold):
		key = "proxy_hold_lapsed"
	case errors.Is(err, domain.ErrAlreadyDecided):
		s.show(msgID, s.t("proxy_already_yours"), s.kb(s.proxyMenuRow()))
		return
	default:
		s.fail(msgID, err)
		return
	}
	s.proxyList(msgID, 0, s.t(key))
}
