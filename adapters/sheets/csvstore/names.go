package csvstore

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File name extensions of a tab's rows and of its colours.
const (
	tabExt   = ".csv"
	colorExt = ".colors"
)

// unsafeChars are refused in file names by Windows, or are the path
// separator, or ('%') introduce an encoded byte.
const unsafeChars = `/\:*?"<>|%`

// fileName maps a tab title or a spreadsheet id to one safe path element,
// reversibly (see the package doc): the title itself when every character
// is safe, otherwise the title with each byte of every unsafe character
// written as %XX.
func fileName(title string) (string, error) {
	if title == "" {
		return "", errEmptyName
	}
	var b strings.Builder
	for i, r := range title {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size = utf8.DecodeRuneInString(title[i:])
		}
		if unsafeAt(title, i, r, size) {
			for j := range size {
				fmt.Fprintf(&b, "%%%02X", title[i+j])
			}
			continue
		}
		b.WriteString(title[i : i+size])
	}
	return b.String(), nil
}

// unsafeAt says whether the character r of size bytes at byte i of title
// must be encoded.
func unsafeAt(title string, i int, r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1: // invalid UTF-8
		return true
	case strings.ContainsRune(unsafeChars, r) || !unicode.IsPrint(r):
		return true
	case i == 0 && (r == '.' || r == ' ' || isDeviceName(title)):
		return true
	}
	return i+size == len(title) && (r == '.' || r == ' ')
}

// isDeviceName recognises the names Windows reserves whatever their
// extension: CON.csv cannot be created there.
func isDeviceName(title string) bool {
	base, _, _ := strings.Cut(strings.ToUpper(title), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) &&
		base[3] >= '1' && base[3] <= '9'
}

// titleOf reverses fileName (the name without its extension).
func titleOf(name string) (string, error) {
	if !strings.Contains(name, "%") {
		return name, nil
	}
	title, err := url.PathUnescape(name)
	if err != nil {
		return "", fmt.Errorf("csvstore: file name %q: %w", name, err)
	}
	return title, nil
}
