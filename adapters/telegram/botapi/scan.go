package botapi

import (
	"bytes"
	"errors"
	"fmt"

	json "github.com/grbit/go-json"
)

// Reading answers without a decoder. Telegram writes a successful answer
// as {"ok":true,"result":…}; such an answer is cut where its result ends,
// and a getUpdates result is cut into its updates, without copying any of
// it (a decoder copied the whole answer, then each update again). Anything
// else — an error, keys in another order — is decoded as usual. The cuts
// only find where a value ends; whoever decodes a value later checks it.

var errTruncated = errors.New("the answer ends inside a value")

// okPrefix is how Telegram starts a successful answer.
const okPrefix = `{"ok":true,"result":`

// parse reads an answer's frame.
func parse(data []byte) (envelope, error) {
	if rest, ok := bytes.CutPrefix(data, []byte(okPrefix)); ok {
		end, err := skipValue(rest, 0)
		if err == nil && bytes.Equal(bytes.TrimSpace(rest[end:]), []byte("}")) {
			return envelope{OK: true, Result: Raw(bytes.TrimSpace(rest[:end]))}, nil
		}
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return envelope{}, err
	}
	return env, nil
}

// quick reads a successful answer in one pass where it can, and reports
// whether it did: for a caller that reads no result, the start of the
// answer is all there is to read; a list of updates is cut straight from
// it, instead of once to find its end and again to cut it.
func quick(data []byte, result any) bool {
	rest, ok := bytes.CutPrefix(data, []byte(okPrefix))
	if !ok {
		return false
	}
	var dst *[]Raw
	switch r := result.(type) {
	case nil:
		return true
	case *[]Raw:
		dst = r
	case *Batch:
		dst = &r.Updates
	default:
		return false
	}
	rest = bytes.TrimRight(rest, " \t\r\n")
	if len(rest) == 0 || rest[len(rest)-1] != '}' {
		return false
	}
	ups, err := splitArray((*dst)[:0], rest[:len(rest)-1])
	if err != nil {
		return false // parse says what is wrong
	}
	*dst = ups
	return true
}

// splitArray cuts a JSON array into its values, appended to out.
func splitArray(out []Raw, data []byte) ([]Raw, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, errors.New("not an array")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return out, trailing(data, i+1)
	}
	for {
		start := skipSpace(data, i)
		end, err := skipValue(data, start)
		if err != nil {
			return nil, err
		}
		out = append(out, Raw(data[start:end]))
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, errTruncated
		}
		switch data[i] {
		case ',':
			i++
		case ']':
			return out, trailing(data, i+1)
		default:
			return nil, fmt.Errorf("unexpected %q after an array's value", data[i])
		}
	}
}

func trailing(data []byte, i int) error {
	if skipSpace(data, i) != len(data) {
		return errors.New("something follows the array")
	}
	return nil
}

// skipValue returns where the value at or after i (past spaces) ends.
func skipValue(b []byte, i int) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return 0, errTruncated
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipNested(b, i)
	}
	j := i
	for j < len(b) && isLiteral(b[j]) {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("unexpected %q where a value starts", b[i])
	}
	return j, nil
}

// skipNested skips an object or array, strings within it whole.
func skipNested(b []byte, i int) (int, error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, err := skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = end
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, errTruncated
}

// skipString skips the string whose opening quote is at i.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errTruncated
}

// isLiteral reports whether c may be part of a number, true, false or null.
func isLiteral(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
