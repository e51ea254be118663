package domain

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Reading a kinds file (kinds.go) and checking every rule it must keep.

// kindWire is a kind as the file has it: AutoConfirm as a Go duration string.
type kindWire struct {
	ResourceKind
	AutoConfirm string `json:"auto_confirm,omitempty"`
}

type kindsWire struct {
	Regions  []string          `json:"regions"`
	ProxyTab string            `json:"proxy_tab,omitempty"`
	Kinds    []json.RawMessage `json:"kinds"`
}

// ParseKinds reads and validates a kinds file, filling in defaults. Any
// bytes give a config or an error matching ErrBadKinds.
func ParseKinds(b []byte) (KindsConfig, error) {
	var w kindsWire
	if err := decodeStrict(b, &w); err != nil {
		return KindsConfig{}, &KindsError{Field: "file", Reason: err.Error()}
	}
	c := KindsConfig{Regions: w.Regions, ProxyTab: w.ProxyTab}
	for i, raw := range w.Kinds {
		k, err := decodeKind(raw, i)
		if err != nil {
			return KindsConfig{}, err
		}
		c.Kinds = append(c.Kinds, k)
	}
	if err := c.validate(); err != nil {
		return KindsConfig{}, err
	}
	return c, nil
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and anything after the value.
func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// decodeKind decodes the i-th kind; its errors name it by position, as its
// code may be what is wrong.
func decodeKind(raw json.RawMessage, i int) (ResourceKind, error) {
	var kw kindWire
	if err := decodeStrict(raw, &kw); err != nil {
		return ResourceKind{}, &KindsError{Kind: kindPos(i), Field: "file", Reason: err.Error()}
	}
	k := kw.ResourceKind
	if kw.AutoConfirm != "" {
		d, err := time.ParseDuration(kw.AutoConfirm)
		if err != nil {
			return ResourceKind{}, &KindsError{Kind: kindPos(i), Field: "auto_confirm", Reason: fmt.Sprintf("%q: want a duration such as \"10m\"", kw.AutoConfirm)}
		}
		k.AutoConfirm = d
	}
	return k, nil
}

func kindPos(i int) string { return fmt.Sprintf("#%d", i+1) }

func (c *KindsConfig) validate() error {
	if err := checkCodes("", "regions", c.Regions, maxKindCode); err != nil {
		return err
	}
	if len(c.Kinds) == 0 {
		return &KindsError{Field: "kinds", Reason: "none"}
	}
	stock := map[string]string{} // stock tab → the kind that takes from it
	for i := range c.Kinds {
		k := &c.Kinds[i]
		if err := k.validate(i, c); err != nil {
			return err
		}
		if err := claimStock(stock, k); err != nil {
			return err
		}
	}
	return c.checkIssuedTabs(stock)
}

// claimStock records k's stock tabs, refusing a tab another kind takes
// from: two pools loading the same rows would issue each row twice.
func claimStock(stock map[string]string, k *ResourceKind) error {
	for _, tab := range k.stockTabs() {
		if other, ok := stock[tab]; ok {
			return &KindsError{Kind: k.Code, Field: "stock_tab", Reason: fmt.Sprintf("tab %q is already the stock of %q", tab, other)}
		}
		stock[tab] = k.Code
	}
	return nil
}

// checkIssuedTabs refuses writing issued rows into a tab rows are taken
// from or that keeps the proxies. Kinds may share an issued tab: its rows
// name their kind.
func (c *KindsConfig) checkIssuedTabs(stock map[string]string) error {
	if c.ProxyTab != "" {
		if err := checkTab(c.ProxyTab); err != nil {
			return &KindsError{Field: "proxy_tab", Reason: err.Error()}
		}
		if other, ok := stock[c.ProxyTab]; ok {
			return &KindsError{Field: "proxy_tab", Reason: fmt.Sprintf("tab %q is the stock of %q", c.ProxyTab, other)}
		}
	}
	for _, k := range c.Kinds {
		if other, ok := stock[k.IssuedTab]; ok {
			return &KindsError{Kind: k.Code, Field: "issued_tab", Reason: fmt.Sprintf("tab %q is the stock of %q", k.IssuedTab, other)}
		}
		if k.IssuedTab == c.ProxyTab {
			return &KindsError{Kind: k.Code, Field: "issued_tab", Reason: fmt.Sprintf("tab %q keeps the proxies", k.IssuedTab)}
		}
	}
	return nil
}

func (k *ResourceKind) validate(i int, c *KindsConfig) error {
	if !validCode(k.Code, maxKindCode) {
		return &KindsError{Kind: kindPos(i), Field: "code", Reason: "want 1–24 of a-z 0-9 _ -"}
	}
	for j := range i {
		if c.Kinds[j].Code == k.Code {
			return &KindsError{Kind: kindPos(i), Field: "code", Reason: fmt.Sprintf("%q is also kind #%d", k.Code, j+1)}
		}
	}
	for _, check := range []func(*ResourceKind, *KindsConfig) error{
		(*ResourceKind).checkName, (*ResourceKind).checkColumns, (*ResourceKind).checkRegions,
		(*ResourceKind).checkVariants, (*ResourceKind).checkTabs, (*ResourceKind).checkStatuses,
		(*ResourceKind).fillNumbers,
	} {
		if err := check(k, c); err != nil {
			return err
		}
	}
	return nil
}

func (k *ResourceKind) fail(field, format string, args ...any) error {
	return &KindsError{Kind: k.Code, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (k *ResourceKind) checkName(*KindsConfig) error {
	if err := checkText(k.Name, maxNameRunes); err != nil {
		return k.fail("name", "%v", err)
	}
	switch k.Category {
	case CategoryAccount, CategoryEmail, CategoryPhone:
		return nil
	}
	return k.fail("category", "%q is not account, email or phone", k.Category)
}

func (k *ResourceKind) checkColumns(*KindsConfig) error {
	if len(k.Columns) == 0 {
		return k.fail("columns", "none")
	}
	if err := checkCodes(k.Code, "columns", k.Columns, maxColumnLen); err != nil {
		return err
	}
	for _, f := range [...]struct{ field, col string }{{"variant_column", k.VariantColumn}, {"region_column", k.RegionColumn}} {
		if f.col != "" && !slices.Contains(k.Columns, f.col) {
			return k.fail(f.field, "%q is not among the columns", f.col)
		}
	}
	return nil
}

func (k *ResourceKind) checkRegions(c *KindsConfig) error {
	if err := checkCodes(k.Code, "regions", k.Regions, maxKindCode); err != nil {
		return err
	}
	for _, r := range k.Regions {
		if !slices.Contains(c.Regions, r) {
			return k.fail("regions", "%q is not among the file's regions", r)
		}
	}
	return nil
}

// checkVariants makes sure every variant can be found: in a tab of its own
// or by the variant column of the stock tab. VariantAny needs neither.
func (k *ResourceKind) checkVariants(*KindsConfig) error {
	if err := checkCodes(k.Code, "variants", k.Variants, maxKindCode); err != nil {
		return err
	}
	for _, v := range slices.Sorted(maps.Keys(k.VariantTabs)) {
		tab := k.VariantTabs[v]
		if v == VariantAny || !slices.Contains(k.Variants, v) {
			return k.fail("variant_tabs", "%q is not a variant with stock of its own", v)
		}
		if err := checkTab(tab); err != nil {
			return k.fail("variant_tabs", "%s: %v", v, err)
		}
	}
	for _, v := range k.Variants {
		if _, own := k.VariantTabs[v]; v != VariantAny && !own && k.VariantColumn == "" {
			return k.fail("variant_column", "needed: variant %q has no tab of its own", v)
		}
	}
	if k.VariantColumn != "" && len(k.Variants) == 0 {
		return k.fail("variant_column", "set, but there are no variants")
	}
	return nil
}

func (k *ResourceKind) checkTabs(*KindsConfig) error {
	if k.needsStockTab() || k.StockTab != "" {
		if err := checkTab(k.StockTab); err != nil {
			return k.fail("stock_tab", "%v", err)
		}
	}
	if err := checkTab(k.IssuedTab); err != nil {
		return k.fail("issued_tab", "%v", err)
	}
	return nil
}

// needsStockTab reports whether some variant (or the kind itself, without
// variants) is read from the shared stock tab.
func (k *ResourceKind) needsStockTab() bool {
	for _, v := range k.Variants {
		if _, own := k.VariantTabs[v]; v != VariantAny && !own {
			return true
		}
	}
	return len(k.Variants) == 0 || len(k.VariantTabs) == 0
}

func (k *ResourceKind) checkStatuses(*KindsConfig) error {
	if len(k.Statuses) == 0 {
		return k.fail("statuses", "none")
	}
	for i, s := range k.Statuses {
		if err := s.check(); err != nil {
			return k.fail("statuses", "#%d: %v", i+1, err)
		}
		if slices.ContainsFunc(k.Statuses[:i], func(o FeedbackStatus) bool { return o.Code == s.Code }) {
			return k.fail("statuses", "%q twice", s.Code)
		}
	}
	d, ok := k.Status(k.DefaultStatus)
	switch {
	case !ok:
		return k.fail("default_status", "%q is not among the statuses", k.DefaultStatus)
	case d.Replace:
		return k.fail("default_status", "%q offers a replacement, which nobody would be there to take", d.Code)
	}
	return nil
}

func (s FeedbackStatus) check() error {
	if !validCode(s.Code, maxKindCode) {
		return errors.New("code: want 1–24 of a-z 0-9 _ -")
	}
	if !validColor(s.Color) {
		return fmt.Errorf("color %q: want #RRGGBB", s.Color)
	}
	for _, lang := range []string{"en", "ru"} {
		if _, ok := s.Label[lang]; !ok {
			return fmt.Errorf("label: no %q", lang)
		}
	}
	for lang, l := range s.Label {
		if err := checkText(l, maxNameRunes); err != nil {
			return fmt.Errorf("label %q: %w", lang, err)
		}
	}
	return nil
}

// fillNumbers fills in the defaults and checks the numbers make sense
// together.
func (k *ResourceKind) fillNumbers(*KindsConfig) error {
	k.BatchSize = cmp.Or(k.BatchSize, DefaultBatchSize)
	k.RefillBelow = cmp.Or(k.RefillBelow, min(DefaultRefillBelow, k.BatchSize))
	k.MaxPerIssue = cmp.Or(k.MaxPerIssue, min(DefaultMaxPerIssue, k.BatchSize))
	k.AutoConfirm = cmp.Or(k.AutoConfirm, DefaultAutoConfirm)
	switch {
	case k.BatchSize < 1 || k.BatchSize > maxBatchSize:
		return k.fail("batch_size", "want 1–%d", maxBatchSize)
	case k.RefillBelow < 1 || k.RefillBelow > k.BatchSize:
		return k.fail("refill_below", "want 1–batch_size (%d)", k.BatchSize)
	case k.MaxPerIssue < 1 || k.MaxPerIssue > k.BatchSize:
		return k.fail("max_per_issue", "want 1–batch_size (%d)", k.BatchSize)
	case k.AutoConfirm < minAutoConfirm || k.AutoConfirm > maxAutoConfirm:
		return k.fail("auto_confirm", "want %v to %v", minAutoConfirm, maxAutoConfirm)
	}
	return nil
}

// checkCodes checks a list of codes: each valid, none twice.
func checkCodes(kind, field string, codes []string, maxLen int) error {
	for i, c := range codes {
		if !validCode(c, maxLen) {
			return &KindsError{Kind: kind, Field: field, Reason: fmt.Sprintf("%q: want 1–%d of a-z 0-9 _ -", c, maxLen)}
		}
		if slices.Contains(codes[:i], c) {
			return &KindsError{Kind: kind, Field: field, Reason: fmt.Sprintf("%q twice", c)}
		}
	}
	return nil
}

// validCode reports whether s is 1–maxLen lower-case letters, digits, '_'
// and '-': safe in callback data, sheet cells and ids.
func validCode(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// checkTab checks a sheet tab's name as Google Sheets would take it.
func checkTab(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	return checkText(s, maxTabRunes)
}

// checkText checks a name people see: not empty, not too long, valid UTF-8,
// no control characters, no space at either end.
func checkText(s string, maxRunes int) error {
	switch {
	case s == "":
		return errors.New("empty")
	case !utf8.ValidString(s):
		return errors.New("not UTF-8")
	case utf8.RuneCountInString(s) > maxRunes:
		return fmt.Errorf("longer than %d characters", maxRunes)
	case strings.TrimSpace(s) != s:
		return errors.New("space at an end")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("control character")
	}
	return nil
}
