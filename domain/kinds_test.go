package domain

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const exampleKinds = "../testdata/kinds.json"

func TestParseKinds_Example(t *testing.T) {
	b, err := os.ReadFile(exampleKinds)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseKinds(b)
	if err != nil {
		t.Fatalf("the example kinds file is invalid: %v", err)
	}
	var codes []string
	for _, k := range c.Kinds {
		codes = append(codes, k.Code)
		if k.BatchSize != 30 || k.RefillBelow != 10 || k.AutoConfirm != 10*time.Minute || k.MaxPerIssue != 5 {
			t.Errorf("%s: defaults not filled in: %+v", k.Code, k)
		}
		if !reflect.DeepEqual(c.RegionsOf(k), []string{"495", "812", "383", "343"}) {
			t.Errorf("%s: regions %v", k.Code, c.RegionsOf(k))
		}
	}
	sameState(t, "kinds", codes, []string{"vk", "mamba", "ok", "gmail", "email_gmail", "email_rambler", "beboo", "loloo", "tabor"})
	mamba, _ := c.Kind("mamba")
	if mamba.StockTabOf("male") != "Мамба Муж" || mamba.StockTabOf("female") != "Мамба Жен" || mamba.IssuedTab != "Мамба_Выдано" {
		t.Errorf("mamba's tabs: %+v", mamba)
	}
	vk, _ := c.Kind("vk")
	if s, ok := vk.Status("blocked"); !ok || !s.Replace || s.LabelIn("ru") != "Блок" || s.LabelIn("de") != "Blocked" {
		t.Errorf("vk's blocked status: %+v", s)
	}
	tabor, _ := c.Kind("tabor")
	if tabor.Category != CategoryPhone || tabor.DefaultStatus != "working" || len(tabor.Statuses) != 3 {
		t.Errorf("tabor: %+v", tabor)
	}
	if _, ok := c.Kind("nope"); ok {
		t.Error("Kind found an unknown code")
	}
}

// minimalKinds is a small valid file, as data the cases below break.
func minimalKinds() map[string]any {
	status := func(code, color string, replace bool) map[string]any {
		return map[string]any{"code": code, "label": map[string]any{"en": code, "ru": code}, "color": color, "replace": replace}
	}
	statuses := []any{status("good", "#B7E1CD", false), status("blocked", "#f4c7c3", true)}
	return map[string]any{
		"regions":   []any{"495", "812"},
		"proxy_tab": "Прокси",
		"kinds": []any{
			map[string]any{"code": "vk", "name": "ВКонтакте", "category": "account", "stock_tab": "ВКонтакте",
				"issued_tab": "Выдано", "columns": []any{"login", "password", "region"}, "region_column": "region",
				"statuses": statuses, "default_status": "good"},
			map[string]any{"code": "mamba", "name": "Мамба", "category": "account", "variants": []any{"male", "female", "any"},
				"variant_tabs": map[string]any{"male": "Мамба Муж", "female": "Мамба Жен"}, "regions": []any{"495"},
				"issued_tab": "Выдано", "columns": []any{"login", "password"}, "statuses": statuses, "default_status": "good",
				"batch_size": 5, "auto_confirm": "15m"},
		},
	}
}

func kindAt(m map[string]any, i int) map[string]any { return m["kinds"].([]any)[i].(map[string]any) }

func encodeKinds(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKinds_Minimal(t *testing.T) {
	c, err := ParseKinds(encodeKinds(t, minimalKinds()))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Kinds[1]
	// batch_size 5 pulls the refill and per-issue defaults down with it
	if m.BatchSize != 5 || m.RefillBelow != 5 || m.MaxPerIssue != 5 || m.AutoConfirm != 15*time.Minute {
		t.Errorf("mamba's numbers: %+v", m)
	}
	if !reflect.DeepEqual(c.RegionsOf(m), []string{"495"}) || m.StockTabOf(VariantAny) != "" {
		t.Errorf("mamba's regions %v, stock of any %q", c.RegionsOf(m), m.StockTabOf(VariantAny))
	}
}

func TestParseKinds_Refuses(t *testing.T) {
	set := func(i int, field string, v any) func(m map[string]any) {
		return func(m map[string]any) { kindAt(m, i)[field] = v }
	}
	del := func(i int, field string) func(m map[string]any) {
		return func(m map[string]any) { delete(kindAt(m, i), field) }
	}
	status := func(i int, field string, v any) func(m map[string]any) {
		return func(m map[string]any) {
			st := kindAt(m, i)["statuses"].([]any)
			s := map[string]any{}
			for k, x := range st[0].(map[string]any) {
				s[k] = x
			}
			s[field] = v
			kindAt(m, i)["statuses"] = []any{s, st[1]}
		}
	}
	tests := []struct {
		name   string
		raw    string // used instead of the edited minimal file when set
		edit   func(m map[string]any)
		wKind  string
		wField string
	}{
		{name: "not JSON", raw: "{", wField: "file"},
		{name: "empty", raw: "", wField: "file"},
		{name: "an array", raw: "[]", wField: "file"},
		{name: "data after the value", raw: `{"kinds": []} {}`, wField: "file"},
		{name: "unknown top-level field", edit: func(m map[string]any) { m["region"] = []any{"1"} }, wField: "file"},
		{name: "unknown kind field", edit: set(0, "stok_tab", "x"), wKind: "#1", wField: "file"},
		{name: "kind not an object", edit: func(m map[string]any) { m["kinds"] = []any{"vk"} }, wKind: "#1", wField: "file"},
		{name: "field of the wrong type", edit: set(1, "batch_size", "30"), wKind: "#2", wField: "file"},
		{name: "no kinds", edit: func(m map[string]any) { m["kinds"] = []any{} }, wField: "kinds"},
		{name: "bad region", edit: func(m map[string]any) { m["regions"] = []any{"49 5"} }, wField: "regions"},
		{name: "region twice", edit: func(m map[string]any) { m["regions"] = []any{"495", "495"} }, wField: "regions"},
		{name: "no code", edit: del(0, "code"), wKind: "#1", wField: "code"},
		{name: "upper-case code", edit: set(0, "code", "VK"), wKind: "#1", wField: "code"},
		{name: "code too long", edit: set(0, "code", strings.Repeat("v", 25)), wKind: "#1", wField: "code"},
		{name: "code twice", edit: set(1, "code", "vk"), wKind: "#2", wField: "code"},
		{name: "no name", edit: del(0, "name"), wKind: "vk", wField: "name"},
		{name: "control character in name", edit: set(0, "name", "В\nК"), wKind: "vk", wField: "name"},
		{name: "unknown category", edit: set(0, "category", "phones"), wKind: "vk", wField: "category"},
		{name: "no category", edit: del(0, "category"), wKind: "vk", wField: "category"},
		{name: "no columns", edit: del(0, "columns"), wKind: "vk", wField: "columns"},
		{name: "column twice", edit: set(0, "columns", []any{"login", "login"}), wKind: "vk", wField: "columns"},
		{name: "column not a code", edit: set(0, "columns", []any{"Логин"}), wKind: "vk", wField: "columns"},
		{name: "region column not a column", edit: set(0, "region_column", "area"), wKind: "vk", wField: "region_column"},
		{name: "variant column not a column", edit: set(1, "variant_column", "gender"), wKind: "mamba", wField: "variant_column"},
		{name: "region of the kind unknown", edit: set(1, "regions", []any{"999"}), wKind: "mamba", wField: "regions"},
		{name: "region of the kind twice", edit: set(1, "regions", []any{"495", "495"}), wKind: "mamba", wField: "regions"},
		{name: "variant twice", edit: set(1, "variants", []any{"male", "male", "female"}), wKind: "mamba", wField: "variants"},
		{name: "variant not a code", edit: set(1, "variants", []any{"Муж"}), wKind: "mamba", wField: "variants"},
		{name: "tab of an unknown variant", edit: set(1, "variant_tabs", map[string]any{"male": "a", "female": "b", "kid": "c"}),
			wKind: "mamba", wField: "variant_tabs"},
		{name: "tab of any", edit: set(1, "variant_tabs", map[string]any{"male": "a", "female": "b", "any": "c"}),
			wKind: "mamba", wField: "variant_tabs"},
		{name: "empty variant tab", edit: set(1, "variant_tabs", map[string]any{"male": "a", "female": ""}),
			wKind: "mamba", wField: "variant_tabs"},
		{name: "variant with no way to find it", edit: set(1, "variant_tabs", map[string]any{"male": "a"}),
			wKind: "mamba", wField: "variant_column"},
		{name: "variant column without variants", edit: set(0, "variant_column", "login"), wKind: "vk", wField: "variant_column"},
		{name: "no stock tab", edit: del(0, "stock_tab"), wKind: "vk", wField: "stock_tab"},
		{name: "stock tab with a trailing space", edit: set(0, "stock_tab", "ВКонтакте "), wKind: "vk", wField: "stock_tab"},
		{name: "stock tab too long", edit: set(0, "stock_tab", strings.Repeat("я", 101)), wKind: "vk", wField: "stock_tab"},
		{name: "no issued tab", edit: del(0, "issued_tab"), wKind: "vk", wField: "issued_tab"},
		{name: "stock tab of two kinds", edit: func(m map[string]any) {
			set(1, "variant_tabs", map[string]any{"male": "Мамба Муж"})(m)
			set(1, "variant_column", "login")(m)
			set(1, "stock_tab", "ВКонтакте")(m)
		}, wKind: "mamba", wField: "stock_tab"},
		{name: "variant tab is another kind's stock", edit: set(1, "variant_tabs", map[string]any{"male": "ВКонтакте", "female": "b"}),
			wKind: "mamba", wField: "stock_tab"},
		{name: "two variants, one tab", edit: set(1, "variant_tabs", map[string]any{"male": "b", "female": "b"}),
			wKind: "mamba", wField: "stock_tab"},
		{name: "variant tab is the kind's own stock tab", edit: func(m map[string]any) {
			set(1, "stock_tab", "Мамба Муж")(m)
		}, wKind: "mamba", wField: "stock_tab"},
		{name: "issued into a stock tab", edit: set(1, "issued_tab", "ВКонтакте"), wKind: "mamba", wField: "issued_tab"},
		{name: "issued into the proxies", edit: set(1, "issued_tab", "Прокси"), wKind: "mamba", wField: "issued_tab"},
		{name: "proxies in a stock tab", edit: func(m map[string]any) { m["proxy_tab"] = "Мамба Жен" }, wField: "proxy_tab"},
		{name: "blank proxy tab", edit: func(m map[string]any) { m["proxy_tab"] = " " }, wField: "proxy_tab"},
		{name: "no statuses", edit: set(0, "statuses", []any{}), wKind: "vk", wField: "statuses"},
		{name: "status code not a code", edit: status(0, "code", "Good"), wKind: "vk", wField: "statuses"},
		{name: "status twice", edit: status(0, "code", "blocked"), wKind: "vk", wField: "statuses"},
		{name: "colour by name", edit: status(0, "color", "green"), wKind: "vk", wField: "statuses"},
		{name: "short colour", edit: status(0, "color", "#FFF"), wKind: "vk", wField: "statuses"},
		{name: "colour not hex", edit: status(0, "color", "#GGGGGG"), wKind: "vk", wField: "statuses"},
		{name: "no colour", edit: status(0, "color", ""), wKind: "vk", wField: "statuses"},
		{name: "no Russian label", edit: status(0, "label", map[string]any{"en": "Good"}), wKind: "vk", wField: "statuses"},
		{name: "empty label", edit: status(0, "label", map[string]any{"en": "Good", "ru": ""}), wKind: "vk", wField: "statuses"},
		{name: "no default status", edit: del(0, "default_status"), wKind: "vk", wField: "default_status"},
		{name: "unknown default status", edit: set(0, "default_status", "fine"), wKind: "vk", wField: "default_status"},
		{name: "default status offers a replacement", edit: set(0, "default_status", "blocked"), wKind: "vk", wField: "default_status"},
		{name: "negative batch", edit: set(0, "batch_size", -1), wKind: "vk", wField: "batch_size"},
		{name: "batch too large", edit: set(0, "batch_size", 1001), wKind: "vk", wField: "batch_size"},
		{name: "refill above the batch", edit: set(0, "refill_below", 31), wKind: "vk", wField: "refill_below"},
		{name: "negative refill", edit: set(0, "refill_below", -1), wKind: "vk", wField: "refill_below"},
		{name: "more per issue than a batch", edit: set(1, "max_per_issue", 6), wKind: "mamba", wField: "max_per_issue"},
		{name: "negative per issue", edit: set(0, "max_per_issue", -5), wKind: "vk", wField: "max_per_issue"},
		{name: "auto-confirm without a unit", edit: set(0, "auto_confirm", "10"), wKind: "#1", wField: "auto_confirm"},
		{name: "auto-confirm too soon", edit: set(0, "auto_confirm", "30s"), wKind: "vk", wField: "auto_confirm"},
		{name: "auto-confirm too late", edit: set(0, "auto_confirm", "169h"), wKind: "vk", wField: "auto_confirm"},
		{name: "negative auto-confirm", edit: set(0, "auto_confirm", "-10m"), wKind: "vk", wField: "auto_confirm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.raw)
			if tc.edit != nil {
				m := minimalKinds()
				tc.edit(m)
				b = encodeKinds(t, m)
			}
			c, err := ParseKinds(b)
			wantErr(t, err, ErrBadKinds)
			var ke *KindsError
			if !errors.As(err, &ke) || ke.Kind != tc.wKind || ke.Field != tc.wField {
				t.Errorf("error %v: want kind %q, field %q", err, tc.wKind, tc.wField)
			}
			if c.Kinds != nil || c.Regions != nil {
				t.Errorf("config %+v with an error", c)
			}
		})
	}
}

func TestKindsError_Error(t *testing.T) {
	for _, tc := range []struct {
		e *KindsError
		w string
	}{
		{&KindsError{Kind: "vk", Field: "stock_tab", Reason: "empty"}, "domain: bad kinds: kind vk: stock_tab: empty"},
		{&KindsError{Field: "kinds", Reason: "none"}, "domain: bad kinds: kinds: none"},
	} {
		if got := tc.e.Error(); got != tc.w {
			t.Errorf("Error() = %q, want %q", got, tc.w)
		}
	}
}

func FuzzParseKinds(f *testing.F) {
	if b, err := os.ReadFile(exampleKinds); err == nil {
		f.Add(b)
	}
	f.Add(encodeKinds(f, minimalKinds()))
	f.Add([]byte(`{"regions":["1"],"kinds":[{"code":"a","name":"A","category":"phone","stock_tab":"s","issued_tab":"i",` +
		`"columns":["n"],"statuses":[{"code":"w","label":{"en":"W","ru":"W"},"color":"#000000"}],"default_status":"w","auto_confirm":"1h"}]}`))
	f.Add([]byte(`{"kinds":[null]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c KindsConfig
		var err error
		noPanic(t, "ParseKinds", func() { c, err = ParseKinds(b) })
		if err != nil {
			if !errors.Is(err, ErrBadKinds) {
				t.Fatalf("ParseKinds: %v, want ErrBadKinds", err)
			}
			return
		}
		for _, k := range c.Kinds {
			d, ok := k.Status(k.DefaultStatus)
			if !ok || d.Replace || k.BatchSize < 1 || k.RefillBelow < 1 || k.MaxPerIssue < 1 || k.AutoConfirm < time.Minute {
				t.Fatalf("accepted kind %+v", k)
			}
		}
	})
}
