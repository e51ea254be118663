package csvstore

import (
	"bytes"
	"slices"
	"testing"
)

func TestParseRows(t *testing.T) {
	tests := []struct {
		name, in string
		want     [][]string
		wDialect dialect
	}{
		{"empty file", "", nil, dialect{}},
		{"ragged rows", "a,b,c\nd\ne,f\n", [][]string{{"a", "b", "c"}, {"d"}, {"e", "f"}}, dialect{}},
		{"no final newline", "a\nb", [][]string{{"a"}, {"b"}}, dialect{}},
		{"blank lines are rows", "\na\n\n\nb\n", [][]string{nil, {"a"}, nil, nil, {"b"}}, dialect{}},
		{"empty cells make an empty row", "a\n,,\nb\n", [][]string{{"a"}, nil, {"b"}}, dialect{}},
		{"trailing empty rows dropped", "a\n\n,\n\"\"\n", [][]string{{"a"}}, dialect{}},
		{"trailing empty cells kept", "a,,\n", [][]string{{"a", "", ""}}, dialect{}},
		{"line break in a quoted cell", "\"x\ny\",z\n\nb\n", [][]string{{"x\ny", "z"}, nil, {"b"}}, dialect{}},
		{"CRLF", "a\r\n\r\n\"x\r\ny\"\r\n", [][]string{{"a"}, nil, {"x\ny"}}, dialect{crlf: true}},
		{"byte order mark", "\uFEFFlogin\n", [][]string{{"login"}}, dialect{bom: true}},
		{"bare and unclosed quotes", "an \"inch\",x\n\"open", [][]string{{`an "inch"`, "x"}, {"open"}}, dialect{}},
		{"a lone CR in a cell", "\"a\rb\"\r\nc\r\n", [][]string{{"a\rb"}, {"c"}}, dialect{crlf: true}},
		{"the first record's end tells CRLF", "\"a\r\r\nb\"\nc\n", [][]string{{"a\r\nb"}, {"c"}}, dialect{}},
		{"cyrillic", "логин,пароль\n", [][]string{{"логин", "пароль"}}, dialect{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d, err := parseRows([]byte(tt.in))
			if err != nil || !equalRows(got, tt.want) || d != tt.wDialect {
				t.Errorf("parseRows(%q) = %q %+v, %v; want %q %+v", tt.in, got, d, err, tt.want, tt.wDialect)
			}
		})
	}
}

func TestWriteRows(t *testing.T) {
	var b bytes.Buffer
	rows := [][]string{{"h", "x"}, nil, {""}, {"a,b", `"q"`, " s"}, {"two\nlines"}}
	if err := writeRows(&b, rows, dialect{bom: true, crlf: true}); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFh,x\r\n\r\n\r\n\"a,b\",\"\"\"q\"\"\",\" s\"\r\n\"two\r\nlines\"\r\n"
	if b.String() != want {
		t.Errorf("writeRows = %q, want %q", b.String(), want)
	}
}

func TestWriteRows_RoundTrip(t *testing.T) {
	rows := [][]string{{"lone\rCR", "CRLF\r\ncell", "CR\r\r\nCRLF"}, nil, {"end\r"}}
	for _, d := range []dialect{{}, {crlf: true}, {bom: true}} {
		var b bytes.Buffer
		if err := writeRows(&b, rows, d); err != nil {
			t.Fatal(err)
		}
		got, gotD, err := parseRows(b.Bytes())
		if err != nil || !equalRows(got, rows) || gotD != d {
			t.Errorf("%+v: %q read back as %q %+v, %v", d, b.Bytes(), got, gotD, err)
		}
	}
}

// FuzzParseRows: whatever a person saves, what the store writes back
// reads as the same rows in the same dialect.
func FuzzParseRows(f *testing.F) {
	for _, s := range []string{"a,b\n\nc", "\uFEFF\"x\r\ny\"\r\n", "a\"b,\"c\n,,\n", "\"\"\n\"", "\r\n\n\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, d, err := parseRows(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := writeRows(&b, rows, d); err != nil {
			t.Fatal(err)
		}
		again, d2, err := parseRows(b.Bytes())
		if err != nil || !equalRows(again, rows) || d2 != d && len(rows) > 0 {
			t.Fatalf("%q -> %q %+v -> %q -> %q %+v, %v", data, rows, d, b.Bytes(), again, d2, err)
		}
	})
}

func equalRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}
