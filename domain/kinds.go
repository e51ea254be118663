package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Resource kinds are configuration, not code: what staff can ask for
// (accounts, e-mails, phone numbers of some service), where its stock and
// its issued rows live in the spreadsheet, and what feedback people give on
// it. Adding a kind is adding an entry to the kinds file; testdata/kinds.json
// is the example, with the kinds of the bot Allot grew from.
//
// The file is JSON:
//
//	{
//	  "regions": ["495", "812"],              // every region any kind is stocked in
//	  "proxy_tab": "Прокси",                  // optional: the sheet of proxies
//	  "kinds": [{
//	    "code": "mamba",                      // in callback data: a-z 0-9 _ -, up to 24
//	    "name": "Мамба",                      // on buttons
//	    "category": "account",                // account | email | phone
//	    "variants": ["male", "female", "any"],// optional; "any" is the wildcard of a request
//	    "variant_tabs": {"male": "Мамба Муж"},// optional: a variant's own stock tab
//	    "variant_column": "gender",           // optional: the stock column naming the variant
//	    "regions": ["495"],                   // optional; absent means all regions
//	    "region_column": "region",            // optional: the stock column naming the region
//	    "stock_tab": "Мамба",                 // where rows are taken from
//	    "issued_tab": "Мамба_Выдано",         // where issued rows are written, with their status
//	    "columns": ["login", "password", "region"], // the stock tab's columns, left to right
//	    "statuses": [{"code": "good", "label": {"en": "Good", "ru": "Хороший"},
//	                  "color": "#B7E1CD", "replace": false}],
//	    "default_status": "good",             // given when no feedback comes in time
//	    "batch_size": 30, "refill_below": 10, // optional, these are the defaults
//	    "auto_confirm": "10m", "max_per_issue": 5
//	  }]
//	}
//
// Unknown fields are refused, so a misspelt one is an error, not a silent
// default.

// Category is what sort of thing a kind hands out.
type Category string

// The categories.
const (
	CategoryAccount Category = "account"
	CategoryEmail   Category = "email"
	CategoryPhone   Category = "phone"
)

// VariantAny is the variant of a request that takes whatever variant there
// is. It needs no stock of its own.
const VariantAny = "any"

// Defaults of a kind's batch sizes and times, as the seed bot had them.
const (
	DefaultBatchSize   = 30
	DefaultRefillBelow = 10
	DefaultAutoConfirm = 10 * time.Minute
	DefaultMaxPerIssue = 5
)

// Bounds that keep a kinds file sane.
const (
	maxKindCode    = 24 // kind, variant and status codes ride in 64-byte callback data
	maxColumnLen   = 32
	maxNameRunes   = 64
	maxTabRunes    = 100 // Google Sheets' limit on a tab's name
	maxBatchSize   = 1000
	minAutoConfirm = time.Minute
	maxAutoConfirm = 7 * 24 * time.Hour
)

// KindsConfig is the validated kinds file.
type KindsConfig struct {
	Regions  []string       `json:"regions"`
	ProxyTab string         `json:"proxy_tab,omitempty"`
	Kinds    []ResourceKind `json:"kinds"`
}

// ResourceKind is one kind of resource and where it lives. A pool of stock is
// one kind × region × variant.
type ResourceKind struct {
	Code          string            `json:"code"`
	Name          string            `json:"name"`
	Category      Category          `json:"category"`
	Variants      []string          `json:"variants,omitempty"`
	VariantTabs   map[string]string `json:"variant_tabs,omitempty"`
	VariantColumn string            `json:"variant_column,omitempty"`
	Regions       []string          `json:"regions,omitempty"`
	RegionColumn  string            `json:"region_column,omitempty"`
	StockTab      string            `json:"stock_tab,omitempty"`
	IssuedTab     string            `json:"issued_tab"`
	Columns       []string          `json:"columns"`
	Statuses      []FeedbackStatus  `json:"statuses"`
	DefaultStatus string            `json:"default_status"`
	BatchSize     int               `json:"batch_size,omitempty"`    // rows loaded from the sheet at a time
	RefillBelow   int               `json:"refill_below,omitempty"`  // load more when fewer remain
	AutoConfirm   time.Duration     `json:"-"`                       // feedback not given by then is DefaultStatus; "auto_confirm": "10m" in the file
	MaxPerIssue   int               `json:"max_per_issue,omitempty"` // most items one request may take
}

// FeedbackStatus is one answer people give on an issued item, and the
// colour its row gets in the issued tab.
type FeedbackStatus struct {
	Code    string            `json:"code"`
	Label   map[string]string `json:"label"` // by language: at least "en" and "ru"
	Color   string            `json:"color"` // "#RRGGBB"
	Replace bool              `json:"replace,omitempty"`
}

// KindsError names what is wrong in a kinds file: the kind (its code, or
// its position when the code is missing or is the problem), the field by
// its name in the file, and why.
type KindsError struct {
	Kind   string
	Field  string
	Reason string
}

// Error names the kind, the field and why, for the operator fixing the file.
func (e *KindsError) Error() string {
	if e.Kind == "" {
		return fmt.Sprintf("domain: bad kinds: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("domain: bad kinds: kind %s: %s: %s", e.Kind, e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrBadKinds) true.
func (e *KindsError) Is(target error) bool { return target == ErrBadKinds }

// Kind returns the kind with code.
func (c KindsConfig) Kind(code string) (ResourceKind, bool) {
	i := slices.IndexFunc(c.Kinds, func(k ResourceKind) bool { return k.Code == code })
	if i < 0 {
		return ResourceKind{}, false
	}
	return c.Kinds[i], true
}

// RegionsOf returns the regions k is stocked in: its own list, or all.
func (c KindsConfig) RegionsOf(k ResourceKind) []string {
	if len(k.Regions) > 0 {
		return k.Regions
	}
	return c.Regions
}

// Status returns k's feedback status with code.
func (k ResourceKind) Status(code string) (FeedbackStatus, bool) {
	i := slices.IndexFunc(k.Statuses, func(s FeedbackStatus) bool { return s.Code == code })
	if i < 0 {
		return FeedbackStatus{}, false
	}
	return k.Statuses[i], true
}

// SecretColumns lists the positions of k's columns whose names say they
// hold a secret (a password, a token), in English or Russian: what the
// introspection endpoint must not show of a row.
func (k ResourceKind) SecretColumns() []int {
	var out []int
	for i, c := range k.Columns {
		c = strings.ToLower(c)
		if strings.Contains(c, "pass") || strings.Contains(c, "парол") || strings.Contains(c, "pwd") ||
			strings.Contains(c, "secret") || strings.Contains(c, "token") {
			out = append(out, i)
		}
	}
	return out
}

// StockTabOf returns the tab variant's rows are taken from.
func (k ResourceKind) StockTabOf(variant string) string {
	if t, ok := k.VariantTabs[variant]; ok {
		return t
	}
	return k.StockTab
}

// stockTabs lists every tab k takes rows from, a tab named twice twice.
func (k ResourceKind) stockTabs() []string {
	var tabs []string
	if k.StockTab != "" {
		tabs = append(tabs, k.StockTab)
	}
	for _, v := range k.Variants { // in file order, so the error names the first clash
		if t, ok := k.VariantTabs[v]; ok {
			tabs = append(tabs, t)
		}
	}
	return tabs
}

// LabelIn returns s's label in lang, or in English.
func (s FeedbackStatus) LabelIn(lang string) string {
	if l, ok := s.Label[lang]; ok {
		return l
	}
	return s.Label["en"]
}
