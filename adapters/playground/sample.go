package playground

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"allot/adapters/sheets"
	"allot/adapters/sheets/csvstore"
	"allot/domain"
)

// SampleRows is how many sample rows each stock tab gets per region.
const SampleRows = 24

// WriteSampleStock writes sample stock for every kind into the CSV store
// under dir (the stock spreadsheet the distribution reads when there is
// no Google Sheets), dated today where a kind has a date column. A tab
// that exists is left as it is, so a restart never puts back what was
// issued. Call it before the distribution starts.
func WriteSampleStock(dir string, kinds domain.KindsConfig, today time.Time) error {
	return csvstore.WriteSample(dir, sheets.FakeStockSpreadsheet, SampleStock(kinds, today))
}

// SampleStock is a few dozen made-up rows per kind, stock tab and region:
// accounts, e-mails and phone numbers that look like the real thing and
// are nobody's. The same kinds and day give the same rows.
func SampleStock(kinds domain.KindsConfig, today time.Time) map[string][][]string {
	tabs := map[string][][]string{}
	for _, k := range kinds.Kinds {
		for _, t := range k.StockTabs() {
			rows := tabs[t.Tab]
			if rows == nil {
				rows = [][]string{k.Columns}
			}
			for _, region := range kinds.RegionsOf(k) {
				for i := range SampleRows {
					rows = append(rows, sampleRow(k, t, region, i, today))
				}
			}
			tabs[t.Tab] = rows
		}
	}
	return tabs
}

// sampleRow is row i of region in tab t: each column filled by its name.
func sampleRow(k domain.ResourceKind, t domain.StockTab, region string, i int, today time.Time) []string {
	variant := t.Variant
	if variant == "" && len(k.Variants) > 0 {
		vs := k.StockVariants()
		variant = vs[i%len(vs)]
	}
	seed := fmt.Sprintf("%s/%s/%s/%d", k.Code, t.Tab, region, i)
	row := make([]string, len(k.Columns))
	for c, name := range k.Columns {
		switch {
		case name == k.RegionColumn:
			row[c] = region
		case name == k.VariantColumn && k.VariantColumn != "":
			row[c] = variant
		default:
			row[c] = sampleCell(k, name, seed, region, i, today)
		}
	}
	return row
}

// sampleCell fills a column that is neither the region nor the variant.
func sampleCell(k domain.ResourceKind, column, seed, region string, i int, today time.Time) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
	n := h.Sum64()
	switch column {
	case "date":
		return today.Format("02.01.2006")
	case "number", "phone":
		return fmt.Sprintf("+7 9%02d %03d-%02d-%02d", n%100, n/100%1000, n/100000%100, n/10000000%100)
	case "login", "email", "mail":
		if k.Category == domain.CategoryEmail {
			return fmt.Sprintf("sample.%s.%03d@%s.test", region, i+1, mailDomain(k))
		}
		return fmt.Sprintf("%s_%s_%03d", k.Code, region, i+1)
	case "password", "pass":
		return samplePassword(n)
	}
	return fmt.Sprintf("sample %d", i+1)
}

// samplePassword is ten letters and digits drawn from n: plausible, and
// no one's.
func samplePassword(n uint64) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 10)
	for i := range b {
		n += 0x9e3779b97f4a7c15 // splitmix64: every step mixes all the bits
		z := (n ^ n>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		b[i] = alphabet[(z^z>>31)%uint64(len(alphabet))]
	}
	return string(b)
}

// mailDomain is a made-up mail domain for an e-mail kind: its name in
// Latin letters, else its code.
func mailDomain(k domain.ResourceKind) string {
	var b strings.Builder
	for _, r := range strings.ToLower(k.Name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return strings.ReplaceAll(k.Code, "_", "-")
	}
	return b.String()
}
