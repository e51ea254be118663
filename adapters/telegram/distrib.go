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

// Distribution: approved staff ask for accounts, e-mails and phone numbers
// (kind → region → how many → variant), get each item in its own message
// with its feedback buttons, and a status that offers a replacement gives
// one. A person who is not approved is refused at every step, buttons
// included, except the registration that asks for access; they may still
// rent numbers as a customer.

// distEngine is what issuing stock asks of the engine.
type distEngine interface {
	Regions() []string
	IssueStock(ctx context.Context, op domain.OpID, user domain.UserID, kind, region, variant string, n int) ([]domain.StockItem, error)
	StockFeedback(ctx context.Context, user domain.UserID, id, status string) (actors.FeedbackResult, error)
	Replace(ctx context.Context, user domain.UserID, id string) ([]domain.StockItem, error)
}

var _ distEngine = (*actors.Engine)(nil)

// distMessage handles staff registration and the distribution commands;
// it reports whether the message was one of them. The admins' are in
// admin.go's table.
func (s *session) distMessage(cmd, text string) bool {
	if !s.distOn() {
		return false
	}
	if s.awaiting == "nickname" && !strings.HasPrefix(text, "/") {
		s.register(text)
		return true
	}
	switch cmd {
	case "/staff":
		s.askNickname(0)
		return true
	case "/get":
		if s.staffOnly("") {
			s.distMenu(0)
		}
		return true
	case "/stats":
		if s.staffOnly("") {
			s.statsMenu(0)
		}
		return true
	}
	return false
}

// distMenu lists the kinds, grouped by category.
func (s *session) distMenu(msgID int) {
	var rows [][]telego.InlineKeyboardButton
	for _, cat := range []domain.Category{domain.CategoryAccount, domain.CategoryEmail, domain.CategoryPhone} {
		var row []telego.InlineKeyboardButton
		for _, k := range s.bot.cfg.Kinds.Kinds {
			if k.Category != cat {
				continue
			}
			row = append(row, s.btnText(s.t("cat_"+string(cat))+" "+k.Name, "dk", k.Code))
			if len(row) == 2 {
				rows, row = append(rows, row), nil
			}
		}
		rows = append(rows, row)
	}
	rows = append(rows, s.row(s.btn("btn_proxies", "pxm"), s.btn("btn_stats", "sts", "a", "d")),
		s.row(s.btn("btn_menu", "menu")))
	s.show(msgID, s.t("dist_menu"), s.kb(rows...))
}

func (s *session) kind(msgID int, code string) (domain.ResourceKind, bool) {
	k, ok := s.bot.cfg.Kinds.Kind(code)
	if !ok {
		s.show(msgID, s.t("stale_button"), s.kb(s.row(s.btn("btn_back", "dm"))))
	}
	return k, ok
}

func (s *session) chooseRegion(msgID int, code string) {
	k, ok := s.kind(msgID, code)
	if !ok {
		return
	}
	var rows [][]telego.InlineKeyboardButton
	var row []telego.InlineKeyboardButton
	for _, r := range s.regionsOf(k) {
		row = append(row, s.btnText(r, "dr", k.Code, r))
		if len(row) == 4 {
			rows, row = append(rows, row), nil
		}
	}
	rows = append(rows, row, s.row(s.btn("btn_back", "dm")))
	if len(rows) == 2 {
		s.show(msgID, s.t("dist_no_regions"), s.kb(s.row(s.btn("btn_back", "dm"))))
		return
	}
	s.show(msgID, s.t("dist_choose_region", "kind", k.Name), s.kb(rows...))
}

// regionsOf are the regions offered now that k is stocked in.
func (s *session) regionsOf(k domain.ResourceKind) []string {
	var out []string
	for _, r := range s.bot.eng.Regions() {
		if len(k.Regions) == 0 || slices.Contains(k.Regions, r) {
			out = append(out, r)
		}
	}
	return out
}

func (s *session) chooseCount(msgID int, code, region string) {
	k, ok := s.kind(msgID, code)
	if !ok {
		return
	}
	var row []telego.InlineKeyboardButton
	nonce := newNonce(s.bot.now())
	for n := 1; n <= k.MaxPerIssue; n++ {
		if len(k.Variants) == 0 { // the count is the last choice: its button issues, under its own nonce
			row = append(row, s.btnText(strconv.Itoa(n), "dv", k.Code, region, strconv.Itoa(n), "-", nonce))
			continue
		}
		row = append(row, s.btnText(strconv.Itoa(n), "dq", k.Code, region, strconv.Itoa(n)))
	}
	s.show(msgID, s.t("dist_choose_count", "kind", k.Name, "region", region),
		s.kb(row, s.row(s.btn("btn_back", "dk", k.Code))))
}

func (s *session) chooseVariant(msgID int, code, region string, n int) {
	k, ok := s.kind(msgID, code)
	if !ok {
		return
	}
	nonce, count := newNonce(s.bot.now()), strconv.Itoa(n)
	if len(k.Variants) == 0 { // a dq of an older screen: the count buttons issue now, never this one
		s.chooseCount(msgID, code, region)
		return
	}
	var row []telego.InlineKeyboardButton
	for _, v := range k.Variants {
		row = append(row, s.btnText(s.variantLabel(v), "dv", k.Code, region, count, v, nonce))
	}
	s.show(msgID, s.t("dist_choose_variant", "kind", k.Name, "region", region, "count", n),
		s.kb(row, s.row(s.btn("btn_back", "dr", k.Code, region))))
}

// issue gives the person n items. The nonce was drawn with the buttons, so
// pressing one twice (or Telegram delivering the press twice) gives the
// same items, not more.
func (s *session) issue(msgID int, code, region string, n int, variant, nonce string) {
	if !s.allowed(ActOperation) {
		return
	}
	k, ok := s.kind(msgID, code)
	if !ok {
		return
	}
	if variant == "-" {
		variant = ""
	}
	ctx, cancel := s.ctx()
	defer cancel()
	items, err := s.bot.eng.IssueStock(ctx, s.op("d"+nonce), s.user, code, region, variant, n)
	if err != nil {
		s.distFail(msgID, err)
		return
	}
	head := s.t("dist_issued", "count", len(items), "kind", k.Name, "region", region)
	if len(items) < n {
		head += "\n" + s.t("dist_partial", "want", n)
	}
	s.show(msgID, head, s.kb(s.row(s.btn("btn_more", "dk", k.Code), s.btn("btn_back", "dm"))))
	for _, it := range items {
		s.send(s.itemText(k, it, nil), s.feedbackKeyboard(k, it.ID))
	}
}

// variantLabel names a variant: translated when the texts know it (male,
// female, any), else its code from the kinds file.
func (s *session) variantLabel(v string) string {
	if l := s.t("variant_" + v); l != "variant_"+v {
		return l
	}
	return v
}

func (s *session) itemText(k domain.ResourceKind, it domain.StockItem, st *domain.FeedbackStatus) string {
	var b strings.Builder
	b.WriteString(s.t("item_head", "kind", k.Name, "id", it.ID))
	for i, col := range k.Columns {
		if i < len(it.Cells) && strings.TrimSpace(it.Cells[i]) != "" {
			b.WriteString("\n" + s.t("item_cell", "name", col, "value", it.Cells[i]))
		}
	}
	if st != nil {
		b.WriteString("\n\n" + s.t("item_marked", "status", st.LabelIn(s.lang)))
	}
	return b.String()
}

func (s *session) feedbackKeyboard(k domain.ResourceKind, id string) *telego.InlineKeyboardMarkup {
	var row []telego.InlineKeyboardButton
	for _, st := range k.Statuses {
		row = append(row, s.btnText(st.LabelIn(s.lang), "fb", id, st.Code))
	}
	return s.kb(row)
}

// itemKind is the kind of an item a button names, once the person may act
// (not throttled); a malformed or unknown item is a stale button.
func (s *session) itemKind(msgID int, id string) (domain.ResourceKind, bool) {
	if !s.allowed(ActOperation) {
		return domain.ResourceKind{}, false
	}
	key, err := domain.PoolOfItem(id)
	if err != nil {
		s.show(msgID, s.t("stale_button"), nil)
		return domain.ResourceKind{}, false
	}
	code, _, _, _ := domain.SplitPoolKey(key)
	return s.kind(msgID, code)
}

func (s *session) feedback(msgID int, id, status string) {
	k, ok := s.itemKind(msgID, id)
	if !ok {
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	res, err := s.bot.eng.StockFeedback(ctx, s.user, id, status)
	if errors.Is(err, domain.ErrAlreadyDecided) {
		s.show(msgID, s.t("item_decided_already", "id", id), nil)
		return
	}
	if err != nil {
		s.distFail(msgID, err)
		return
	}
	var kb *telego.InlineKeyboardMarkup
	text := s.itemText(k, res.Item, &res.Status)
	if res.Replace {
		text += "\n" + s.t("item_offer_replacement")
		kb = s.kb(s.row(s.btn("btn_replace", "rp", id), s.btn("btn_no_thanks", "noop")))
	}
	s.show(msgID, text, kb)
}

func (s *session) replace(msgID int, id string) {
	k, ok := s.itemKind(msgID, id)
	if !ok {
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	items, err := s.bot.eng.Replace(ctx, s.user, id)
	if err != nil {
		s.distFail(0, err)
		return
	}
	s.show(msgID, s.t("item_replaced", "id", id), nil)
	for _, it := range items {
		s.send(s.itemText(k, it, nil), s.feedbackKeyboard(k, it.ID))
	}
}

// distFail tells the person why distribution could not serve them.
func (s *session) distFail(msgID int, err error) {
	var key string
	switch {
	case errors.Is(err, domain.ErrOutOfStock):
		key = "dist_out_of_stock"
	case errors.Is(err, domain.ErrBadRegion):
		key = "dist_bad_region"
	case errors.Is(err, domain.ErrUnknownKind), errors.Is(err, domain.ErrItemNotFound):
		key = "stale_button"
	case errors.Is(err, domain.ErrNotPermitted) && !errors.Is(err, domain.ErrBadUser):
		key = "dist_not_permitted"
	default:
		s.fail(msgID, err)
		return
	}
	s.show(msgID, s.t(key), s.kb(s.row(s.btn("btn_back", "dm"))))
}
