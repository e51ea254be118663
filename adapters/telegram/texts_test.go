package telegram

import (
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestEveryLanguageHasEveryTextWithTheSamePlaceholders(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ph := regexp.MustCompile(`\{\w+\}`)
	for key, en := range c["en"] {
		for _, l := range Langs[1:] {
			s, ok := c[l][key]
			if !ok {
				t.Errorf("%s: no %q", l, key)
				continue
			}
			a, b := ph.FindAllString(en, -1), ph.FindAllString(s, -1)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("%s %q: placeholders %v, English has %v", l, key, b, a)
			}
		}
	}
	for _, l := range Langs[1:] {
		if len(c[l]) != len(c["en"]) {
			t.Errorf("%s has %d texts, English %d", l, len(c[l]), len(c["en"]))
		}
	}
}

func TestTextsEscapeWhatPeopleTyped(t *testing.T) {
	c, _ := loadCatalog()
	got := c.T("en", "menu", "name", "<b>Eve</b> & co")
	if !regexp.MustCompile(`&lt;b&gt;Eve&lt;/b&gt; &amp; co`).MatchString(got) {
		t.Fatalf("not escaped: %s", got)
	}
	if langOf("ru-RU") != "ru" || langOf("en-GB") != "en" || langOf("") != "en" {
		t.Fatal("langOf")
	}
}

func TestLogsNeverCarryTheToken(t *testing.T) {
	var buf strings.Builder
	const token = "123456789:AAFakeTokenOfTheAllotTelegramFake01"
	log := slog.New(newRedacting(slog.NewTextHandler(&buf, nil), token))
	err := errors.New(`Post "http://x/bot` + token + `/sendMessage": context canceled`)
	log.With("k", token).Warn("sending "+token, "err", err, "s", token, slog.Group("g", "x", token))
	if strings.Contains(buf.String(), token) {
		t.Fatalf("the token leaked: %s", buf.String())
	}
	if got := redactErr(err, token).Error(); strings.Contains(got, token) {
		t.Fatalf("redactErr: %s", got)
	}
}

// fill must do what strings.NewReplacer did before it: the first pair wins,
// and a brace that starts no placeholder stays.
func TestFill(t *testing.T) {
	pairs := []string{"{a}", "X", "{ab}", "Y", "{a}", "Z", "{}", "E"}
	for _, s := range []string{"", "{", "}", "{a}", "{{a}", "{a}}", "x{ab}y{a}{c}{}", "{a{ab}", "{{", "{b", "п{a}ж"} {
		t.Run(s, func(t *testing.T) {
			want := strings.NewReplacer(pairs...).Replace(s)
			if got := fill(s, pairs); got != want {
				t.Errorf("fill(%q) = %q, want %q", s, got, want)
			}
		})
	}
}
