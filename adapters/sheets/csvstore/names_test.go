package csvstore

import (
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	tests := []struct{ title, want string }{
		{"Gmail", "Gmail"},
		{"Мамба Муж", "Мамба Муж"},
		{"Почты_Выдано", "Почты_Выдано"},
		{"a/b", "a%2Fb"},
		{`C:\x`, "C%3A%5Cx"},
		{"100%", "100%25"},
		{"..", "%2E%2E"},
		{".hidden", "%2Ehidden"},
		{" padded ", "%20padded%20"},
		{"tab\tname", "tab%09name"},
		{"nbsp\u00a0", "nbsp%C2%A0"},
		{"bad\xffutf8", "bad%FFutf8"},
		{"\uFFFD", "\uFFFD"},
		{"nul", "%6Eul"},
		{"COM1.old", "%43OM1.old"},
		{"COM10", "COM10"},
		{"Console", "Console"},
	}
	for _, tt := range tests {
		got, err := fileName(tt.title)
		if err != nil || got != tt.want {
			t.Errorf("fileName(%q) = %q, %v; want %q", tt.title, got, err, tt.want)
		}
		if back, err := titleOf(got); err != nil || back != tt.title {
			t.Errorf("titleOf(%q) = %q, %v; want %q", got, back, err, tt.title)
		}
	}
	if _, err := fileName(""); err == nil {
		t.Error(`fileName("") worked`)
	}
}

func FuzzFileName(f *testing.F) {
	for _, s := range []string{"Мамба Муж", "a/b", "100%", "..", " x.", "CON", "\xff", "a%2Fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		name, err := fileName(title)
		if title == "" {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." || isDeviceName(name) {
			t.Fatalf("fileName(%q) = %q is not safe", title, name)
		}
		if back, err := titleOf(name); err != nil || back != title {
			t.Fatalf("fileName(%q) = %q, back to %q, %v", title, name, back, err)
		}
		if again, _ := fileName(name); strings.Contains(name, "%") == (again == name) {
			t.Fatalf("%q: an encoded name must not be a title kept as it is", name)
		}
	})
}
