package telegram

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"

	"allot/domain"
)

// Distribution: approved staff ask for accounts, e-mails and phone numbers
// (kind → region → how many → variant), get each item in its own message
// with its feedback buttons, and a status that offers a replacement gives
// one. A person who is not approved is refused at every step, buttons
// included, except the registration that asks for access; they may still
// rent numbers as a customer.

// distOn reports whether distribution is configured at all.
func (s *session) distOn() bool { return len(s.bot.cfg.Kinds.Kinds) > 0 }

// distMessage handles staff registration, the distribution commands and
// the admin commands of the whitelist and the stock; it reports whether
// the message was one of them.
func (s *session) distMessage(updateID int, cmd, rest, text string) bool {
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
	return s.distAdmin(cmd, rest)
}

// staffOnly reports whether the person is approved staff (or an admin);
// if not, they are told how to ask for access, on the button's answer when
// there is one.
func (s *session) staffOnly(queryID string) bool {
	if s.isStaff() {
		return true
	}
	if queryID != "" {
		s.answer(queryID, s.t("dist_staff_only_short"))
	}
	s.send(s.t("dist_staff_only"), s.kb(s.row(s.btn("btn_staff", "st")), s.row(s.btn("btn_menu", "menu"))))
	return false
}

// distCallback handles the distribution buttons; it reports whether c was
// one of them (and then answered the callback query itself).
func (s *session) distCallback(queryID string, msgID int, c domain.Callback) bool {
	switch c.Action {
	case "st":
		s.answer(queryID, "")
		s.askNickname(msgID)
	case "sapv", "srej", "acf":
		if !s.isAdmin() {
			s.answer(queryID, s.t("admin_only"))
			return true
		}
		s.answer(queryID, "")
		if c.Action == "acf" {
			s.confirmed(msgID, c.Args[0], c.Args[1])
			return true
		}
		id, err1 := c.User(0)
		request, err2 := c.Int(1)
		s.orStale(errors.Join(err1, err2), func() { s.decideStaff(msgID, id, request, c.Action == "sapv") })
	case "dm", "dk", "dr", "dq", "dv", "fb", "rp", "sts":
		if !s.staffOnly(queryID) {
			return true
		}
		s.answer(queryID, "")
		s.distButton(msgID, c)
	default:
		return false
	}
	return true
}

func (s *session) distButton(msgID int, c domain.Callback) {
	switch c.Action {
	case "dm":
		s.distMenu(msgID)
	case "dk":
		s.chooseRegion(msgID, c.Args[0])
	case "dr":
		s.chooseCount(msgID, c.Args[0], c.Args[1])
	case "dq":
		n, err := c.Int(2)
		s.orStale(err, func() { s.chooseVariant(msgID, c.Args[0], c.Args[1], n) })
	case "dv":
		n, err := c.Int(2)
		s.orStale(err, func() { s.issue(msgID, c.Args[0], c.Args[1], n, c.Args[3], c.Args[4]) })
	case "fb":
		s.feedback(msgID, c.Args[0], c.Args[1])
	case "rp":
		s.replace(msgID, c.Args[0])
	case "sts":
		s.stats(msgID, c.Args[0], c.Args[1])
	}
}

// AlertAdmins tells the owner and admins about a distribution problem only
// they can fix (a missing tab, a refused service account, a bad row).
func (b *Bot) AlertAdmins(text string) {
	b.tellAdmins(func(r *session) string { return r.t("dist_alert", "text", text) })
}

// AlertOperations tells the owner and admins about the bot's own upkeep —
// a backup that failed, data set aside at start — under a heading of its
// own: the distribution's would send them looking in the wrong place.
func (b *Bot) AlertOperations(text string) {
	b.tellAdmins(func(r *session) string { return r.t("ops_alert", "text", text) })
}

// tellAdmins sends each admin the text made in their own session (their
// language), after whatever they are doing; an admin who never opened
// the bot gets a session started first.
func (b *Bot) tellAdmins(text func(r *session) string) {
	for _, a := range b.adminIDs() {
		b.enqueue(int64(a), true, func(r *session) {
			if r.lang == "" {
				r.start(telego.User{ID: int64(r.user)})
			}
			r.send(text(r), nil)
		})
	}
}

// alertHandover tells the owner and admins, once, that ending the sessions
// on a number keeps failing: it is not offered again until that succeeds.
func (b *Bot) alertHandover(number, why string) {
	b.tellAdmins(func(r *session) string { return r.t("handover_alert", "number", number, "why", why) })
}

// --- registration ---------------------------------------------------------

func (s *session) me() (domain.User, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.bot.eng.FindUser(ctx, strconv.FormatInt(int64(s.user), 10))
}

func (s *session) askNickname(msgID int) {
	u, err := s.me()
	switch {
	case err == nil && u.Approval == domain.ApprovalApproved || s.isAdmin():
		s.show(msgID, s.t("staff_already"), s.menuKeyboard())
	case err == nil && u.Approval == domain.ApprovalPending:
		// Asking again reminds the admins with buttons for the request as it
		// stands: their old message may be lost, or from a build whose
		// buttons did not name the request.
		key := "staff_pending"
		if s.allowed(ActOperation) {
			s.notifyAdmins(u)
			key = "staff_pending_reminded"
		}
		s.show(msgID, s.t(key), s.kb(s.row(s.btn("btn_menu", "menu"))))
	default:
		s.awaiting = "nickname"
		s.show(msgID, s.t("staff_ask_nickname"), nil)
	}
}

func (s *session) register(nickname string) {
	if !s.allowed(ActOperation) {
		return
	}
	ctx, cancel := s.ctx()
	defer cancel()
	u, err := s.bot.eng.RequestStaff(ctx, s.user, nickname)
	switch {
	case errors.Is(err, domain.ErrBadNickname):
		s.send(s.t("staff_bad_nickname"), nil)
		return
	case err != nil:
		s.awaiting = ""
		s.fail(0, err)
		return
	}
	s.awaiting = ""
	s.send(s.t("staff_requested", "nickname", u.Nickname), s.kb(s.row(s.btn("btn_menu", "menu"))))
	s.notifyAdmins(u)
}

// notifyAdmins asks the owner and admins to decide u's pending request,
// with buttons that name the request.
func (s *session) notifyAdmins(u domain.User) {
	who, nick := s.who(s.user), domain.CleanName(u.Nickname)
	for _, a := range s.bot.adminIDs() {
		s.bot.enqueue(int64(a), true, func(r *session) {
			if r.lang == "" {
				r.start(telego.User{ID: int64(r.user)})
			}
			id, req := strconv.FormatInt(int64(u.ID), 10), strconv.Itoa(u.Requests)
			r.send(r.t("staff_request_admin", "who", who, "nickname", nick, "id", id),
				r.kb(r.row(r.btn("btn_approve", "sapv", id, req), r.btn("btn_reject", "srej", id, req))))
		})
	}
}

// adminIDs are the people who decide staff requests: the owner and admins.
func (b *Bot) adminIDs() []domain.UserID {
	ids := slices.Clone(b.cfg.Admins)
	if o := b.cfg.Owner; o != 0 && !slices.Contains(ids, o) {
		ids = append([]domain.UserID{o}, ids...)
	}
	return ids
}

func (s *session) decideStaff(msgID int, id domain.UserID, request int, approve bool) {
	to := domain.ApprovalRejected
	if approve {
		to = domain.ApprovalApproved
	}
	ctx, cancel := s.ctx()
	defer cancel()
	u, err := s.bot.eng.DecideRequest(ctx, s.user, id, request, to)
	if errors.Is(err, domain.ErrNotPending) {
		s.show(msgID, s.t("staff_decided_already"), nil)
		return
	}
	if err != nil {
		s.fail(msgID, err)
		return
	}
	key := "staff_rejected_admin"
	if approve {
		key = "staff_approved_admin"
	}
	s.show(msgID, s.t(key, "nickname", domain.CleanName(u.Nickname), "id", strconv.FormatInt(int64(id), 10)), nil)
	s.bot.enqueue(int64(id), true, func(r *session) {
		if r.lang == "" {
			r.start(telego.User{ID: int64(r.user)})
		}
		if approve {
			r.send(r.t("staff_approved"), r.menuKeyboard())
		} else {
			r.send(r.t("staff_rejected"), nil)
		}
	})
}

// --- issuing ----------------------------------------------------------------

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

// --- statistics -----------------------------------------------------------

func (s *session) statsMenu(msgID int) { s.stats(msgID, "a", "d") }

// stats shows a category's figures for a period as a table and a chart.
func (s *session) stats(msgID int, cat, period string) {
	cats := map[string]domain.Category{"a": domain.CategoryAccount, "e": domain.CategoryEmail, "p": domain.CategoryPhone}
	c, ok1 := cats[cat]
	p, err := domain.ParsePeriod(period)
	if !ok1 || err != nil {
		s.show(msgID, s.t("stale_button"), s.kb(s.row(s.btn("btn_back", "dm"))))
		return
	}
	r := domain.BuildStats(s.bot.cfg.Kinds, s.bot.eng.PoolDays(), c, p, s.bot.eng.Now())
	var catRow, perRow []telego.InlineKeyboardButton
	for _, x := range []string{"a", "e", "p"} {
		label := s.t("stats_cat_" + string(cats[x]))
		if x == cat {
			label = "• " + label
		}
		catRow = append(catRow, s.btnText(label, "sts", x, period))
	}
	for _, x := range []string{"d", "w", "m"} {
		label := s.t("stats_period_" + x)
		if x == period {
			label = "• " + label
		}
		perRow = append(perRow, s.btnText(label, "sts", cat, x))
	}
	kb := s.kb(catRow, perRow, s.row(s.btn("btn_back", "dm")))
	out := Out{Text: statsText(s.lang, r, s.bot.cfg.Kinds, s.t), Keyboard: kb}
	if png, err := statsChart(r, s.bot.cfg.Kinds, s.lang); err == nil {
		out.Photo, out.PhotoName = png, "stats.png"
		msgID = 0 // a message with a picture is sent, not edited from text
	} else {
		s.bot.log.Warn("drawing the statistics chart failed", "err", err)
	}
	s.showOut(msgID, out)
}

// --- who may ----------------------------------------------------------------

// isStaff reports whether the person may use distribution: an approved
// member of staff, or an admin.
func (s *session) isStaff() bool {
	if s.isAdmin() {
		return true
	}
	u, err := s.me()
	return err == nil && u.Approval == domain.ApprovalApproved
}
